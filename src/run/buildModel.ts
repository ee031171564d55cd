import type { HpaicConfig } from '../config/schema.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { createModel } from '../models/registry.js';
import { loadPretrained } from '../models/pretrained.js';
import type { Module } from '../nn/Module.js';
import { Adam } from '../optim/Adam.js';
import type { Optimizer } from '../optim/Optimizer.js';
import { SGD } from '../optim/SGD.js';

/** The model of a config with its initial weights (pretrained when `model.pretrained` is set). */
export async function buildModel(config: HpaicConfig, log?: (line: string) => void): Promise<Module> {
  const model = createModel(config.model.name, { numClasses: NUM_CLASSES, inChannels: config.model.in_channels, head: config.model.head, dropoutP: config.model.dropout_p });
  // ImageNet weights: the body is loaded (first conv adapted to in_channels), the classifier stays fresh.
  if (config.model.pretrained) await loadPretrained(model, config.model.pretrained, { inChannels: config.model.in_channels, numClasses: NUM_CLASSES, firstConvRule: config.model.first_conv_rule, log });
  return model;
}

export function createOptimizer(config: HpaicConfig, model: Module): Optimizer {
  const { name, lr, weight_decay } = config.optim;
  return name === 'adam' ? new Adam(model.parameters(), { lr, weightDecay: weight_decay }) : new SGD(model.parameters(), { lr, momentum: 0.9, weightDecay: weight_decay });
}
