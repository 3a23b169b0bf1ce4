/**
 * Distinctive personal data for tests that prove it never leaks, and a search for it in bytes
 * and log lines. Every value is unusual enough that a hit cannot be a coincidence.
 */
import assert from 'node:assert/strict';
import { egnBirthDate, isValidEgn } from '../../client';

/** One value to look for, with a label that names it without repeating it. */
export interface Marker {
  readonly label: string;
  readonly value: string;
}

const EGN_WEIGHTS = [2, 4, 8, 5, 10, 9, 7, 3, 6];

/** A valid EGN for a `dd-MM-yyyy` birth date in the 1900s and a three-digit serial. */
export function egnFor(dateOfBirth: string, serial: number): string {
  const [day, month, year] = dateOfBirth.split('-') as [string, string, string];
  const digits = `${year.slice(2)}${month}${day}${String(serial).padStart(3, '0')}`;
  const sum = EGN_WEIGHTS.reduce((total, weight, index) => total + weight * Number(digits[index]), 0);
  const egn = `${digits}${(sum % 11) % 10}`;

  assert.ok(isValidEgn(egn), 'egnFor made an EGN the client would refuse');
  assert.equal(egnBirthDate(egn), dateOfBirth);
  return egn;
}

/** The ways a `dd-MM-yyyy` date is likely to be written: the guide's, ISO, dotted, slashed, compact. */
export function dateForms(dateOfBirth: string): string[] {
  const [day, month, year] = dateOfBirth.split('-') as [string, string, string];
  return [
    `${day}-${month}-${year}`,
    `${year}-${month}-${day}`,
    `${day}.${month}.${year}`,
    `${day}/${month}/${year}`,
    `${year}${month}${day}`,
    `${day}${month}${year}`,
  ];
}

/** The markers of one person: identity number, every form of the birth date, and more if known. */
export function personMarkers(
  who: string,
  person: { identificatorValue: string; dateOfBirth: string; name?: string; phone?: string; email?: string },
): Marker[] {
  const markers: Marker[] = [
    { label: `${who} EGN`, value: person.identificatorValue },
    ...dateForms(person.dateOfBirth).map((value, index) => ({
      label: `${who} date of birth (form ${index + 1})`,
      value,
    })),
  ];
  if (person.name) markers.push({ label: `${who} name`, value: person.name });
  if (person.phone) {
    markers.push({ label: `${who} phone`, value: person.phone });
    markers.push({ label: `${who} phone without +`, value: person.phone.slice(1) });
  }
  if (person.email) markers.push({ label: `${who} e-mail`, value: person.email });
  return markers;
}

/** A PDF in clear, raw or base64 (`%PDF-` encodes to `JVBERi0`). */
export const PDF_MARKERS: readonly Marker[] = [
  { label: 'PDF header', value: '%PDF-' },
  { label: 'base64 PDF header', value: 'JVBERi0' },
];

/**
 * Labels of the markers found in `haystack`: in any letter case, and base64-encoded at
 * any of the three byte alignments (a payload logged as base64 would hide them otherwise).
 */
export function findMarkers(haystack: string | Uint8Array, markers: readonly Marker[]): string[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack) : Buffer.from(haystack);
  const lower = Buffer.from(bytes.toString('latin1').toLowerCase(), 'latin1');

  return markers
    .filter(
      ({ value }) =>
        lower.includes(value.toLowerCase()) || base64Forms(value).some((form) => bytes.includes(form)),
    )
    .map(({ label }) => label);
}

/** The part of `value`'s base64 that does not depend on its neighbours, for each alignment. */
function base64Forms(value: string): string[] {
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(value)]).toString('base64');
    const start = offset === 0 ? 0 : 4;
    const end = Math.floor((offset + Buffer.byteLength(value)) / 3) * 4;
    const stable = encoded.slice(start, end);
    if (stable.length >= 8) forms.push(stable);
  }
  return forms;
}

/** Fails naming what leaked and where, never repeating the value. */
export function assertNoMarkers(
  where: string,
  haystack: string | Uint8Array,
  markers: readonly Marker[],
): void {
  const found = findMarkers(haystack, markers);
  assert.deepEqual(found, [], `${where} holds ${found.join(', ')}`);
}
