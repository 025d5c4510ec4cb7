/**
 * Which format an export command (`rapport customers export`, `rapport mentions export`) writes: the `--out` file's extension decides when it is
 * one we know, so `--out members.json` never yields CSV in a .json file; `--format` is for standard
 * output or an unusual file name, and saying one thing with it and another with the extension fails.
 */
import { AppError } from './errors.ts';

export const exportFormats = ['csv', 'json', 'jsonl'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export function formatOfFile(file: string): ExportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase();
  return exportFormats.find((f) => f === ext);
}

/**
 * The format to write: the extension of `out` if it names one, else `format`, else `fallback`.
 * `what` names the export in the errors; `allowed` lists what it can be written as.
 */
export function chooseExportFormat(input: {
  out: string | undefined;
  format: ExportFormat | undefined;
  fallback: ExportFormat;
  allowed: readonly ExportFormat[];
  what: string;
}): ExportFormat {
  const byFile = input.out === undefined ? undefined : formatOfFile(input.out);
  if (byFile && input.format && byFile !== input.format)
    throw new AppError(
      'validation_failed',
      `--format ${input.format} contradicts --out ${input.out} (a .${byFile} file): give one or make them agree`,
    );
  const format = byFile ?? input.format ?? input.fallback;
  if (!input.allowed.includes(format)) {
    const source = byFile ? `--out ${input.out}` : `--format ${format}`;
    throw new AppError(
      'validation_failed',
      `${input.what} cannot be written as ${format.toUpperCase()} (${source}): it is written as ${input.allowed.map((f) => f.toUpperCase()).join(', ')}`,
    );
  }
  return format;
}

/** The content type a download of each format is sent with. */
export const exportContentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/**
 * An export's chunks as a download's body, read as the client takes it: a failure midway is
 * logged (`what` names the export) and ends the stream with an error; a client that goes away
 * stops the reads.
 */
export function streamOfChunks(
  log: { error(obj: object, msg: string): void },
  chunks: AsyncGenerator<string>,
  what: string,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        log.error({ err }, `${what} failed`);
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
