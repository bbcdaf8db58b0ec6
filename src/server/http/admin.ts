/**
 * `POST /admin/voices/rescan` (ours): the server scans its data folder for voice models again and answers what
 * it serves now. `voxwire voices rescan` and `voxwire voices pull` call it; it is authenticated like every
 * route (a key when keys are configured, loopback otherwise), and a scan only reads the server's own folder.
 */
import type { HttpExchange } from './exchange.js';
import { sendJson } from './responses.js';

export async function rescanVoicesRoute({ request, response, context }: HttpExchange): Promise<void> {
  const report = await context.rescanVoices();
  await sendJson(request, response, 200, {
    success: true,
    voices: report.voices,
    added: report.added,
    removed: report.removed,
    skipped: report.errors,
  });
}
