/**
 * A fold's full training state (`fold_<k>/last.pth`, written after every epoch): model weights, optimizer
 * state, LR-scheduler and early-stopping state, the fp16 loss scaler's state (`scaler`, torch's GradScaler
 * state_dict keys; absent for fp32 / bf16 runs) and the best checkpoint value. It is a torch.save zip that
 * Python reads with `torch.load(path)` (not weights_only on torch 1.13, which refuses floats); the model
 * weights are under `model`. Together with the per-epoch seeding of every random stream, resuming from it
 * gives the same result as an uninterrupted run.
 */
import type { Module } from '../nn/Module.js';
import type { Optimizer, OptimizerState } from '../optim/Optimizer.js';
import type { Tensor } from '../tensor/Tensor.js';
import type { ReduceLROnPlateau, ReduceLROnPlateauState } from '../optim/ReduceLROnPlateau.js';
import type { EarlyStopping, EarlyStoppingState } from '../optim/EarlyStopping.js';
import type { GradScaler, GradScalerState } from '../optim/GradScaler.js';
import { encodeNumber, decodeNumber, type JsonNumber } from '../optim/jsonNumber.js';
import { modelStateRecords, loadStateRecords, toStored, fromStored } from '../models/weights.js';
import { readTorchFile, writeTorchFile } from '../io/weights/torchZip.js';
import { OrderedDict, type PickleInput, type PickleValue } from '../io/weights/pickle.js';
import { isStoredTensor, type StateDict, type StoredTensor } from '../io/weights/StoredTensor.js';
import { CheckpointError } from '../errors.js';

export interface TrainingStateParts {
  epoch: number;
  model: Module;
  optimizer: Optimizer;
  scheduler: ReduceLROnPlateau;
  earlyStop: EarlyStopping;
  /** The loss scaler (its state is saved when it is enabled, i.e. fp16). */
  scaler?: GradScaler;
  /** Best validation metric that produced a checkpoint (model.pth). */
  checkpointBest: number;
  /** The fold's TensorBoard event file and its length after this epoch (resume truncates it there). */
  tensorboard?: { file: string; bytes: number };
}

function optimizerRecord(opt: Optimizer): PickleInput {
  const sd = opt.stateDict();
  const state = new Map<PickleInput, PickleInput>();
  for (const [i, s] of Object.entries(sd.state)) {
    const entry: Record<string, PickleInput> = {};
    for (const [k, v] of Object.entries(s)) entry[k] = typeof v === 'number' ? v : toStored(v as Tensor);
    state.set(Number(i), entry);
  }
  return { state, param_groups: sd.param_groups as PickleInput[] };
}

/** Writes the state atomically. */
export function saveTrainingState(path: string, s: TrainingStateParts): void {
  const value: Record<string, PickleInput> = {
    format: 'hpaic-training-state-1',
    epoch: s.epoch,
    model: modelStateRecords(s.model) as OrderedDict<string, StoredTensor>,
    optimizer: optimizerRecord(s.optimizer),
    lr_scheduler: s.scheduler.stateDict() as unknown as PickleInput,
    early_stop: s.earlyStop.stateDict() as unknown as PickleInput,
    checkpoint_best: encodeNumber(s.checkpointBest),
    ...(s.tensorboard ? { tensorboard: { file: s.tensorboard.file, bytes: s.tensorboard.bytes } } : {}),
  };
  if (s.scaler?.enabled) value.scaler = s.scaler.stateDict() as unknown as PickleInput;
  writeTorchFile(path, value);
}

/** A plain JS value (numbers, strings, arrays, objects) from a pickled one; tensors stay StoredTensor. */
function plain(v: PickleValue): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = plain(x);
    return o;
  }
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** Restores a state written by saveTrainingState into the given objects; returns the epoch and best value. */
export function loadTrainingState(path: string, into: Omit<TrainingStateParts, 'epoch' | 'checkpointBest' | 'tensorboard'>): { epoch: number; checkpointBest: number; tensorboard?: { file: string; bytes: number } } {
  const root = readTorchFile(path);
  if (!(root instanceof Map) || root.get('format') !== 'hpaic-training-state-1') {
    throw new CheckpointError(`${path}: not an hpaic training state (expected the file hpaic train writes as last.pth)`);
  }
  const model = root.get('model');
  if (!(model instanceof Map)) throw new CheckpointError(`${path}: no model weights in the training state`);
  loadStateRecords(into.model, model as StateDict, { what: path });
  const opt = plain(root.get('optimizer')!) as { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
  const tensors: Tensor[] = [];
  const state: OptimizerState['state'] = {};
  for (const [i, s] of Object.entries(opt.state)) {
    const entry: Record<string, Tensor | number> = {};
    for (const [k, v] of Object.entries(s)) {
      if (isStoredTensor(v)) {
        const t = fromStored(v);
        tensors.push(t);
        entry[k] = t;
      } else entry[k] = Number(v);
    }
    state[Number(i)] = entry;
  }
  into.optimizer.loadStateDict({ state, param_groups: opt.param_groups });
  tensors.forEach((t) => t.dispose());
  into.scheduler.loadStateDict(plain(root.get('lr_scheduler')!) as ReduceLROnPlateauState);
  into.earlyStop.loadStateDict(plain(root.get('early_stop')!) as EarlyStoppingState);
  // A state from an fp32 / bf16 run has no scaler: an fp16 resume then starts from the initial scale.
  if (into.scaler?.enabled && root.has('scaler')) into.scaler.loadStateDict(plain(root.get('scaler')!) as GradScalerState);
  const tb = root.has('tensorboard') ? (plain(root.get('tensorboard')!) as { file: unknown; bytes: unknown }) : undefined;
  const tensorboard = tb && typeof tb.file === 'string' && Number.isInteger(Number(tb.bytes)) ? { file: tb.file, bytes: Number(tb.bytes) } : undefined;
  return { epoch: Number(root.get('epoch')), checkpointBest: decodeNumber(plain(root.get('checkpoint_best')!) as JsonNumber, 'checkpoint_best'), ...(tensorboard ? { tensorboard } : {}) };
}
