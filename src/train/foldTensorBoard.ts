/**
 * What `hpaic train` writes to TensorBoard for one fold (`fold_<k>/tb/`), tags grouped as TensorBoard shows them:
 * - every training step (global step = (epoch − 1) × steps per epoch + batch): `train/step_loss`;
 * - every epoch (step = epoch): `train/loss`, `val/loss`, `train/f1_macro`, `val/f1_macro`, `lr`,
 *   `val_f1/<class index>_<class name>` for the 28 classes, and the histogram `val/probabilities`;
 * - once (epoch 1, step 1): `train/augmented_batch`, the first augmented batch as an image.
 * The event file and its length go into `last.pth` after every epoch; a resumed fold truncates the file to
 * that length and appends, so the stream has each step once.
 */
import { EventFileWriter } from '../io/tensorboard/EventFileWriter.js';
import type { SummaryValue } from '../io/tensorboard/eventMessages.js';
import { CLASS_NAMES } from '../data/tables/labels.js';
import { metricValue, type EpochRecord } from './summary.js';
import type { BatchPicture } from './batchFigure.js';

export class FoldTensorBoard {
  private constructor(private readonly writer: EventFileWriter) {}

  /** A new stream, or the one recorded in the fold's training state, cut back to the recorded length. */
  static open(dir: string, resumeFrom?: { file: string; bytes: number }): FoldTensorBoard {
    return new FoldTensorBoard(resumeFrom ? EventFileWriter.resume(dir, resumeFrom.file, resumeFrom.bytes) : EventFileWriter.create(dir));
  }

  get position(): { file: string; bytes: number } {
    return { file: this.writer.file, bytes: this.writer.byteLength };
  }

  step(globalStep: number, loss: number): void {
    this.writer.scalar('train/step_loss', loss, globalStep);
  }

  batch(step: number, picture: BatchPicture): void {
    this.writer.add(step, [{ tag: 'train/augmented_batch', kind: 'image', ...picture }]);
  }

  epoch(record: EpochRecord, valProbabilities?: Float32Array): void {
    const values: SummaryValue[] = [
      { tag: 'train/loss', kind: 'scalar', value: record.train.loss },
      { tag: 'val/loss', kind: 'scalar', value: record.val.loss },
      { tag: 'train/f1_macro', kind: 'scalar', value: metricValue(record.train.metrics, 'f1_macro') },
      { tag: 'val/f1_macro', kind: 'scalar', value: metricValue(record.val.metrics, 'f1_macro') },
      { tag: 'lr', kind: 'scalar', value: record.lr },
      ...CLASS_NAMES.map((name, c): SummaryValue => ({ tag: `val_f1/${String(c).padStart(2, '0')}_${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}`, kind: 'scalar', value: metricValue(record.val.metrics, `f1_${name}`) })),
    ];
    if (valProbabilities) values.push({ tag: 'val/probabilities', kind: 'histogram', values: valProbabilities });
    this.writer.add(record.epoch, values);
    this.writer.flush();
  }

  close(): void {
    this.writer.close();
  }
}
