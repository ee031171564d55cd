export { Module } from './Module.js';
export { Conv2d, type Conv2dOptions } from './Conv2d.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d } from './BatchNorm.js';
export { Linear } from './Linear.js';
export { Sequential } from './Sequential.js';
export * from './layers.js';
export * as init from './init.js';
export { createCriterion, type Criterion, type CriterionName } from './losses.js';
export { bestfittingFocalLoss, symmetricLovaszLoss, hardExampleBceLoss, focalLovaszHardLoss } from './bestfittingLosses.js';
