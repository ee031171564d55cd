export { EventFileWriter } from './EventFileWriter.js';
export { FILE_VERSION, type SummaryValue } from './eventMessages.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
