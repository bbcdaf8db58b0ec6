/** `voxwire serve`: settings → logger → server, and a clean shutdown on SIGTERM/SIGINT. */
import pino from 'pino';
import { startVoxwire } from '../app.js';
import { ConfigError, describeSettings, loadSettings, type Settings } from '../config/settings.js';

export async function runServeCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`Usage: voxwire serve [options]\n\nEach setting: flag, environment variable, default. Flags win over the environment, which wins over the config file.\n\n${describeSettings()}`);
    return 0;
  }
  let settings: Settings;
  try {
    settings = loadSettings(args);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`voxwire: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const log = pino({ level: settings.logLevel, base: { service: 'voxwire' } });
  const voxwire = await startVoxwire({
    host: settings.host,
    port: settings.port,
    apiKeys: settings.apiKeys,
    dataDir: settings.dataDir,
    workers: settings.workers,
    perKeyConnections: settings.perKeyConnections,
    globalConnections: settings.globalConnections,
    shutdownGraceMs: settings.shutdownGraceMs,
    heartbeatMs: settings.heartbeatMs,
    logger: log,
  });
  log.info({ stream: voxwire.streamUrl, http: voxwire.url, workers: settings.workers }, 'ready');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down: finishing running requests');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await voxwire.close();
  log.info('stopped');
  return 0;
}
