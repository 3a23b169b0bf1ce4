import { createHash, randomInt } from 'node:crypto';

/** The customer as the sandbox knows them; held in memory only, never logged. */
export interface Person {
  name: string;
  docType: 'EGN' | 'LNC' | 'EMAIL' | 'PHONE';
  identificatorValue: string;
  /** dd-MM-yyyy, as the guide writes birth dates. */
  dateOfBirth?: string;
}

const GIVEN_NAMES = ['Ivan', 'Maria', 'Georgi', 'Elena', 'Dimitar', 'Nikolina', 'Petar', 'Vesela'];
const FAMILY_NAMES = ['Ivanov', 'Petrova', 'Georgiev', 'Dimitrova', 'Nikolov', 'Stoyanova', 'Todorov'];
const EGN_WEIGHTS = [2, 4, 8, 5, 10, 9, 7, 3, 6];

/**
 * The eID identifier of a person in one relying party's domain: stable for the same person and
 * relying party, meaningless elsewhere, and not reversible to the EGN without a guess.
 */
export function identifierFor(relyingPartyId: string, person: Person): string {
  return createHash('sha256')
    .update(`${relyingPartyId}:${person.docType}:${person.identificatorValue}`)
    .digest('hex');
}

/**
 * The person behind a web identification: whoever's name was typed on the identification page
 * (the same name always makes the same person), or someone made up.
 */
export function webPerson(typedName: string | undefined): Person {
  const name = typedName?.trim();
  if (name) return personNamed(name, seedFrom(name));

  const seed = randomInt(2 ** 47);
  return personNamed(`${pick(GIVEN_NAMES, seed)} ${pick(FAMILY_NAMES, Math.floor(seed / 8))}`, seed);
}

/** A mobile identification names no one; the certificate shows a name derived from the EGN. */
export function mobilePerson(
  docType: Person['docType'],
  identificatorValue: string,
  dateOfBirth: string,
): Person {
  const seed = seedFrom(identificatorValue);
  const name = `${pick(GIVEN_NAMES, seed)} ${pick(FAMILY_NAMES, Math.floor(seed / 8))}`;
  return { name, docType, identificatorValue, dateOfBirth };
}

function personNamed(name: string, seed: number): Person {
  const year = 1950 + (seed % 50);
  const month = 1 + (Math.floor(seed / 50) % 12);
  const day = 1 + (Math.floor(seed / 600) % 28);
  const serial = Math.floor(seed / 16_800) % 1000;
  return {
    name,
    docType: 'EGN',
    identificatorValue: fakeEgn(year, month, day, serial),
    dateOfBirth: `${pad(day)}-${pad(month)}-${year}`,
  };
}

/** A checksum-valid EGN for someone born in the 1900s; fake, but well-formed. */
function fakeEgn(year: number, month: number, day: number, serial: number): string {
  const digits = `${pad(year % 100)}${pad(month)}${pad(day)}${String(serial).padStart(3, '0')}`;
  const sum = EGN_WEIGHTS.reduce((total, weight, index) => total + weight * Number(digits[index]), 0);
  return `${digits}${(sum % 11) % 10}`;
}

function seedFrom(text: string): number {
  return createHash('sha256').update(text.toLowerCase()).digest().readUIntBE(0, 6);
}

function pick(list: readonly string[], seed: number): string {
  return list[seed % list.length] ?? '';
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
