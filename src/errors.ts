/**
 * hpaic's error taxonomy. Every error a user can cause carries a stable `name` and `code`, and a message
 * that says what happened, where (file, row, config key, op) and what to do. The CLI prints these without a
 * stack; anything else is a bug and is printed with its stack.
 */
export class HpaicError extends Error {
  readonly code: string = 'ERR_HPAIC';
  hint?: string;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
}

/** Wrong command-line usage: the CLI prints the command's usage after the message. */
export class UsageError extends HpaicError {
  override readonly code = 'ERR_USAGE';
}

/** A config file or option is invalid: the message names the key path, what was expected and what was found. */
export class ConfigError extends HpaicError {
  override readonly code = 'ERR_CONFIG';
}

/** Bad input data: the message names the file (and line, row or image id) and what was expected. */
export class DataError extends HpaicError {
  override readonly code = 'ERR_DATA';
}

/** libtorch refused an operation: the message names the op, and the first line of libtorch's message. */
export class NativeError extends HpaicError {
  override readonly code = 'ERR_LIBTORCH';
}

/** A checkpoint or weight file does not match the model (missing / unexpected keys, shapes). */
export class CheckpointError extends HpaicError {
  override readonly code = 'ERR_CHECKPOINT';
}

/** The file system refused a read or write (permissions, read-only mount, full disk): the message names the path. */
export class FileSystemError extends HpaicError {
  override readonly code = 'ERR_FS';
}

/** A tensor was used after `dispose()`. */
export class DisposedTensorError extends HpaicError {
  override readonly code = 'ERR_DISPOSED_TENSOR';
}

/** A distributed run failed: a rank stopped, timed out, or the rendezvous environment is wrong. Names the rank. */
export class DistributedError extends HpaicError {
  override readonly code = 'ERR_DIST';
}
