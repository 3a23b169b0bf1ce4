import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { SignaturePosition } from '../../borica/schemas';
import { InputError } from '../errors';
import type { DocumentUpload } from '../validation';

type Json = Record<string, unknown>;

/**
 * Reads the `--input` JSON object from a file, or from stdin when the path is `-`. Personal data
 * is better passed this way than as flags, which end up in shell history and process lists.
 */
export async function readInputFile(
  path: string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Json> {
  if (path === undefined) return {};

  const text = path === '-' ? await readAll(stdin) : await readText(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, which may hold personal data, so it is not kept.
    throw new InputError([
      { field: '--input', expected: 'expected a JSON object; the file is not valid JSON' },
    ]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError([{ field: '--input', expected: 'expected a JSON object' }]);
  }
  return parsed as Json;
}

/** `base` with every defined entry of `flags` laid over it: flags win over the input file. */
export function overlay(base: Json, flags: Json): Json {
  const defined = Object.entries(flags).filter(([, value]) => value !== undefined);
  return { ...base, ...Object.fromEntries(defined) };
}

/** Parses a number flag, leaving it to validation to say it is wrong. */
export function numberFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** Parses `--position page,x,y,width,height`. */
export function parsePosition(value: string | undefined): SignaturePosition | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 5 || parts.some((part) => !Number.isInteger(part))) {
    throw new InputError([
      { field: '--position', expected: 'expected five whole numbers: page,x,y,width,height' },
    ]);
  }
  const [pageNumber, imageXAxis, imageYAxis, imageWidth, imageHeight] = parts as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { pageNumber, imageXAxis, imageYAxis, imageWidth, imageHeight };
}

/** How the documents of one `sign` command are presented to the customer. */
export interface Presentation {
  readonly titles?: readonly string[] | undefined;
  readonly visualSignature?: boolean | undefined;
  readonly position?: SignaturePosition | undefined;
}

/** Reads the PDFs named on the command line; titles default to the file name without `.pdf`. */
export async function readDocuments(
  paths: readonly string[],
  presentation: Presentation,
): Promise<DocumentUpload[]> {
  const titles = presentation.titles ?? [];
  if (titles.length > paths.length) {
    throw new InputError([
      { field: '--title', expected: `expected at most one title per file (${paths.length})` },
    ]);
  }

  return await Promise.all(
    paths.map(async (path, index) => ({
      content: await readBytes(path, `documents.${index}`),
      fileName: basename(path),
      legalFileName: titles[index] ?? basename(path, extname(path)),
      ...(presentation.visualSignature === undefined
        ? {}
        : { padesVisualSignature: presentation.visualSignature }),
      ...(presentation.position ? { signaturePosition: presentation.position } : {}),
    })),
  );
}

async function readText(path: string): Promise<string> {
  return (await readBytes(path, '--input')).toString('utf8');
}

async function readBytes(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new InputError([{ field, expected: `expected a readable file; reading it failed with ${code}` }], {
      cause: error,
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
