/** Errors in plain words: what happened and what the visitor can do, from the client's typed errors. */
import { ConnectionLostError, VoxwireApiError } from '../client/index.js';

export function plainWords(error: unknown): string {
  // The page's own findings are already in plain words.
  if (typeof error === 'string') return error;
  if (error instanceof ConnectionLostError) {
    return 'The connection to the server was lost. Check that voxwire is still running, then try again.';
  }
  if (!(error instanceof VoxwireApiError)) return `Something went wrong in the page: ${error instanceof Error ? error.message : String(error)}`;
  switch (error.errorName) {
    case 'Unauthorized':
      return 'The server refused the API key. Type the key you were given in the "API key" field at the top.';
    case 'Forbidden':
      return `The server does not accept requests from this page: ${error.message}`;
    case 'VoiceNotFound':
      return 'That voice is not on the server any more. Choose another one.';
    case 'TextTooLong':
      return `The text is too long for one request: ${error.message}`;
    case 'InvalidSSML': {
      const { line, column } = error.params;
      const where = line === undefined ? '' : ` (line ${String(line)}, column ${String(column)})`;
      return `The SSML has a mistake${where}: ${error.message}`;
    }
    case 'InvalidRequest':
      return `The server cannot use one of the settings: ${error.message}`;
    case 'BadJSON':
      return 'There is nothing to speak: type some text first.';
    case 'QueueFull':
    case 'ConcurrencyLimitExceeded':
    case 'ServiceUnavailable':
      return 'The server is busy right now. Wait a moment and try again.';
    case 'SynthesisFailure':
      return 'The server failed to speak this text. Try again, or choose another voice.';
    case 'MessageTooLarge':
      return 'The text is too large to send in one request.';
    default:
      return error.message;
  }
}
