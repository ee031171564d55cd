/** The model zoo: registry, architectures, heads, input adaptation and normalisation, weights (`hpaic/models`). */
export { createModel, registerModel, listModels, type ModelOptions, type ModelBuilder } from './registry.js';
export { ResNet, resnet18, resnet34, resnet50, resnet101, resnet152, type ResNetOptions } from './resnet.js';
export { adaptiveHead, type HeadKind } from './heads.js';
export { BNInception, bninception, type BNInceptionOptions } from './bninception.js';
export { SEResNet, seResnet50, seResnext50_32x4d, type SEResNetOptions } from './seResnet.js';
export { DenseNet, densenet121, densenet169, renameLegacyDensenetKey, type DenseNetOptions } from './densenet.js';
export { InceptionV3, inceptionV3, INCEPTION_V3_MIN_SIZE, type InceptionV3Options } from './inceptionV3.js';
export { adaptInputConv, ADAPT_INPUT_CONV_RULE, COPY_FIRST_RULE, type FirstConvRule } from './adaptInputConv.js';
export { WEIGHT_CATALOGUE, weightEntry, weightEntries, normalizationFor, type WeightEntry, type Normalization } from './weightCatalogue.js';
export { loadPretrained, importPretrained, guessArchitecture, type PretrainedReport, type ImportPretrainedOptions } from './pretrained.js';
export { loadWeights, saveWeights, toStored, fromStored, modelStateRecords, loadStateRecords } from './weights.js';
export { inputNormFor, normalizeInput, HPA_BESTFITTING_STATS, type InputNorm } from './inputNorm.js';
