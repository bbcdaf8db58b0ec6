/** `voxwire serve`: settings → logger → server, and a clean shutdown on SIGTERM/SIGINT. */
import { startVoxwire } from '../app.js';
import { ConfigError, describeSettings, loadSettings, type Settings } from '../config/settings.js';
import { createLogger, type LogFormat } from './log-output.js';

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
  const log = createLogger(settings.logLevel, settings.logFormat as LogFormat);
  const voxwire = await startVoxwire({
    host: settings.host,
    port: settings.port,
    apiKeys: settings.apiKeys,
    allowedOrigins: settings.allowedOrigins,
    dataDir: settings.dataDir,
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
    workers: settings.workers,
    neural: { executionProviders: settings.onnxProviders },
    perKeyConnections: settings.perKeyConnections,
    globalConnections: settings.globalConnections,
    shutdownGraceMs: settings.shutdownGraceMs,
    heartbeatMs: settings.heartbeatMs,
    openAiVoices: settings.openaiVoices,
    logger: log,
    // Listening first lets probes watch /ready turn from 503 to 200 as the engines warm up.
    listenBeforeWarm: true,
    ...(settings.metricsPort === 0 ? {} : { metricsPort: settings.metricsPort }),
  });
  const ended = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down: finishing running requests');
      resolve(0);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // SIGHUP: scan the data folder for voice models again (the scan logs what it found and skipped).
    process.on('SIGHUP', () => {
      voxwire.rescanVoices().catch((error: unknown) => log.error({ err: error }, 'the voice models could not be scanned'));
    });
    voxwire.warm.then(
      () => log.info({ stream: voxwire.streamUrl, http: voxwire.url, metrics: voxwire.metricsUrl ?? `${voxwire.url}/metrics`, workers: settings.workers }, 'ready'),
      (error: unknown) => {
        log.fatal({ err: error }, 'the engine could not start');
        resolve(1);
      },
    );
  });
  const code = await ended;
  await voxwire.close();
  log.info('stopped');
  return code;
}
