/** File formats: weight files, the zip reader, Python-compatible text (`hpaic/io`). */
export { type StoredDType, type StoredTensor, type StateDict, DTYPE_SIZE, numelOf, isStoredTensor } from './weights/StoredTensor.js';
export { OrderedDict, type PickleValue, type PickleInput } from './weights/pickle.js';
export { readTorchFile, readStateDict, writeTorchFile, type ReadStateDictOptions, type WriteTorchFileOptions, STATE_DICT_WRAPPER_KEYS } from './weights/torchZip.js';
export { readSafetensors, writeSafetensors, type SafetensorsContent } from './weights/safetensors.js';
export { readWeights, detectWeightFormat, type WeightFormat, type WeightsContent } from './weights/readWeights.js';
export { ZipReader, type ZipEntry } from './zip/zipReader.js';
export { pythonJsonDumps, type PythonJsonOptions } from './text/pythonJsonDumps.js';
export { EventFileWriter, FILE_VERSION, type SummaryValue, crc32c, maskedCrc32c } from './tensorboard/index.js';
