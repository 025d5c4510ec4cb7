import { closeSync, openSync, writeSync } from 'node:fs';
import { chooseExportFormat, type ExportFormat, exportFormats } from '../export-format.ts';

/**
 * Runs an export command's `run`, which writes through `write`: to the `--out` file (created
 * readable by its owner only, as exports hold personal data) or to standard output. `run` resolves
 * to what it wrote ("12 leads"), which is then said on standard error with the format, the file
 * and the time taken.
 */
export async function writeExport(
  out: string | undefined,
  format: ExportFormat,
  run: (write: (text: string) => void) => Promise<string>,
): Promise<number> {
  const started = performance.now();
  const fd = out ? openSync(out, 'w', 0o600) : undefined;
  try {
    const what = await run((text) => (fd === undefined ? process.stdout.write(text) : writeSync(fd, text)));
    const where = out ? ` to ${out}` : '';
    process.stderr.write(
      `Exported ${what} as ${format.toUpperCase()}${where} in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return 0;
}

/** The format of a list export (`--out`'s extension, else `--format`, else CSV); `what` names it in errors. */
export function listExportFormat(
  flags: { out?: string | undefined; format?: ExportFormat | undefined },
  what: string,
) {
  return chooseExportFormat({
    out: flags.out,
    format: flags.format,
    fallback: 'csv',
    allowed: exportFormats,
    what,
  });
}
