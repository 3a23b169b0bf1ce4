import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import signpdf from '@signpdf/signpdf';
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import type { SignaturePosition } from '../borica/schemas';
import type { CadesSigner } from './cades-signer';
import type { Person } from './people';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const INK = rgb(0.1, 0.12, 0.16);
const MUTED = rgb(0.38, 0.4, 0.45);
const ACCENT = rgb(0.05, 0.33, 0.6);

/** What an eID certificate states besides the person. */
export interface CertificateFacts {
  identifier: string;
  reason: string;
  relyingParty: string;
  issuedAt: Date;
}

/** How one document is to be signed. */
export interface SignatureRequest {
  signerName: string;
  reason: string;
  /** Draws a visible signature box when given. */
  visible?: SignaturePosition;
  signingTime: Date;
}

/**
 * The electronic identity certificate of the guide: a one-page PDF naming the person and their
 * eID identifier, sealed with the sandbox's signing identity as BORICA seals its own.
 */
export async function createEidCertificate(person: Person, facts: CertificateFacts, seal: CadesSigner) {
  const doc = await PDFDocument.create();
  doc.setTitle('Electronic identity certificate');
  doc.setProducer('borica-flows sandbox');
  doc.setCreationDate(facts.issuedAt);

  const page = doc.addPage(A4);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  drawCertificate(page, { regular, bold }, certificateRows(person, facts));

  return sign(
    doc,
    page,
    { signerName: seal.signerName, reason: 'eID certificate seal', signingTime: facts.issuedAt },
    seal,
  );
}

/**
 * Checks that `bytes` are a PDF the sandbox can sign and that `position`, if any, names one of
 * its pages. Returns a reason to refuse the document, or undefined.
 */
export async function problemWithDocument(
  bytes: Buffer,
  position?: SignaturePosition,
): Promise<string | undefined> {
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') return 'is not a PDF';

  try {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    if (doc.getPageCount() === 0) return 'has no page';
    if (position && position.pageNumber > doc.getPageCount())
      return 'signaturePosition.pageNumber is past the last page';
    return undefined;
  } catch {
    return 'is not a readable PDF';
  }
}

/**
 * Signs a PDF with a PAdES baseline signature, drawing a visible box at the requested position.
 * The document is written anew rather than updated incrementally, so signatures it already
 * carried do not survive; the sandbox's customers sign fresh documents.
 */
export async function signDocument(
  bytes: Buffer,
  request: SignatureRequest,
  signer: CadesSigner,
): Promise<Buffer> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const page = doc.getPage((request.visible?.pageNumber ?? 1) - 1);
  return sign(doc, page, request, signer);
}

async function sign(
  doc: PDFDocument,
  page: PDFPage,
  request: SignatureRequest,
  signer: CadesSigner,
): Promise<Buffer> {
  const widgetRect = request.visible ? await drawSignatureBox(doc, page, request) : [0, 0, 0, 0];

  pdflibAddPlaceholder({
    pdfPage: page,
    reason: latin(request.reason),
    contactInfo: '',
    name: latin(request.signerName),
    location: 'Sofia, BG',
    signingTime: request.signingTime,
    subFilter: 'ETSI.CAdES.detached',
    widgetRect,
    appName: 'borica-flows sandbox',
  });

  const unsigned = await doc.save({ useObjectStreams: false });
  return signpdf.sign(Buffer.from(unsigned), signer, request.signingTime);
}

/**
 * The guide gives the upper-left corner of the box; like the signing libraries BORICA's naming
 * follows, the y axis is read from the top of the page. PDF measures from the bottom.
 */
async function drawSignatureBox(
  doc: PDFDocument,
  page: PDFPage,
  request: SignatureRequest,
): Promise<number[]> {
  const position = request.visible as SignaturePosition;
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const x = position.imageXAxis;
  const y = page.getHeight() - position.imageYAxis - position.imageHeight;
  const { imageWidth: width, imageHeight: height } = position;

  page.drawRectangle({ x, y, width, height, borderColor: ACCENT, borderWidth: 1, color: rgb(0.94, 0.97, 1) });
  const size = Math.max(4, Math.min(9, height / 5, width / 22));
  const lines = [
    'Digitally signed by',
    latin(request.signerName),
    request.signingTime.toISOString().slice(0, 19),
  ];
  lines.forEach((line, index) => {
    page.drawText(line, {
      x: x + 4,
      y: y + height - (index + 1) * (size + 2),
      size,
      font,
      color: INK,
      maxWidth: width - 8,
    });
  });

  return [x, y, x + width, y + height];
}

function certificateRows(person: Person, facts: CertificateFacts): [string, string][] {
  return [
    ['Name', person.name],
    ['Identifier type', person.docType],
    ['Personal identifier', person.identificatorValue],
    ['Date of birth', person.dateOfBirth ?? 'not stated'],
    ['eID identifier', facts.identifier],
    ['Identification before', facts.relyingParty],
    ['Identification reason', facts.reason],
    ['Issued at', facts.issuedAt.toISOString()],
  ];
}

function drawCertificate(
  page: PDFPage,
  fonts: { regular: PDFFont; bold: PDFFont },
  rows: [string, string][],
): void {
  const top = page.getHeight() - MARGIN;
  const width = page.getWidth() - 2 * MARGIN;
  page.drawText('Electronic identity certificate', {
    x: MARGIN,
    y: top - 24,
    size: 22,
    font: fonts.bold,
    color: ACCENT,
  });
  page.drawText('B-Trust remote identification (sandbox)', {
    x: MARGIN,
    y: top - 46,
    size: 11,
    font: fonts.regular,
    color: MUTED,
  });

  rows.forEach(([label, value], index) => {
    const y = top - 100 - index * 30;
    page.drawText(label, { x: MARGIN, y, size: 10, font: fonts.regular, color: MUTED });
    page.drawText(latin(value), {
      x: MARGIN + 150,
      y,
      size: 10,
      font: fonts.bold,
      color: INK,
      maxWidth: width - 150,
    });
  });

  const footer = 'Issued by the borica-flows sandbox for development and tests. It identifies no one.';
  page.drawText(footer, { x: MARGIN, y: MARGIN, size: 8, font: fonts.regular, color: MUTED });
}

const CYRILLIC: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sht',
  ъ: 'a',
  ь: 'y',
  ю: 'yu',
  я: 'ya',
};

/**
 * The standard fonts speak WinAnsi only: Bulgarian is transliterated the official way, anything
 * else outside Latin-1 becomes '?'.
 */
export function latin(text: string): string {
  return [...text]
    .map((char) => {
      const lower = char.toLowerCase();
      const mapped = CYRILLIC[lower];
      if (mapped === undefined) return /[\x20-\x7e\xa0-\xff]/.test(char) ? char : '?';
      return char === lower ? mapped : mapped.charAt(0).toUpperCase() + mapped.slice(1);
    })
    .join('');
}
