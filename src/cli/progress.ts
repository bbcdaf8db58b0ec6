/**
 * A download's progress on standard error: a bar redrawn in place on a terminal, and otherwise one line per
 * tenth (logs and pipes get a few lines, not thousands of carriage returns).
 */
const WIDTH = 30;

const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1);

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(done: number, total: number): void; end(): void } {
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done, total) {
      const fraction = total === 0 ? 1 : Math.min(1, done / total);
      const line = `${label} [${'#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH)}] ${Math.floor(fraction * 100)}% ${megabytes(done)}/${megabytes(total)} MB`;
      if (stream.isTTY) {
        stream.write(`\r${line}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      stream.write(`${line}\n`);
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}
