import assert from 'node:assert/strict';
import { createHash, verify } from 'node:crypto';
import { before, describe, it } from 'node:test';
import forge from 'node-forge';
import { PDFArray, PDFDict, PDFDocument, PDFName } from 'pdf-lib';
import { CadesSigner } from '../../sandbox/cades-signer';
import { createEidCertificate, latin, problemWithDocument, signDocument } from '../../sandbox/pdf';
import { identifierFor, webPerson } from '../../sandbox/people';
import { type DevPki, ensureDevPki } from '../../sandbox/pki';
import { contractPdf } from './support';

const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';

interface Verified {
  signerCommonName: string;
  signedAttributeTypes: string[];
}

/**
 * Checks a PDF signature the way a validator does: the ByteRange covers everything but the
 * Contents, the CMS message digest matches those bytes, the RSA signature over the signed
 * attributes verifies with the embedded certificate, and that certificate chains to the CA.
 */
function verifyPdfSignature(pdf: Buffer, caCertPem: string): Verified {
  const text = pdf.toString('latin1');
  const range = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(text);
  assert.ok(range, 'the PDF has a ByteRange');
  const [start, length, secondStart, secondLength] = range.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  assert.equal(start, 0);
  assert.equal(secondStart + secondLength, pdf.length, 'the ByteRange reaches the end of the file');

  const contentsHex = pdf.subarray(length + 1, secondStart - 1).toString('latin1');
  const signed = Buffer.concat([
    pdf.subarray(start, length),
    pdf.subarray(secondStart, secondStart + secondLength),
  ]);
  const cms = forge.asn1.fromDer(withoutPadding(Buffer.from(contentsHex, 'hex')).toString('binary'));
  const message = forge.pkcs7.messageFromAsn1(cms) as forge.pkcs7.PkcsSignedData & {
    rawCapture: { authenticatedAttributes: forge.asn1.Asn1[]; signature: string };
  };

  const attributes = message.rawCapture.authenticatedAttributes;
  const attributeTypes = attributes.map((attribute) =>
    forge.asn1.derToOid((attribute.value as forge.asn1.Asn1[])[0]?.value as string),
  );
  const digestAttribute = attributes[attributeTypes.indexOf(MESSAGE_DIGEST)];
  assert.ok(digestAttribute, 'the signed attributes hold a message digest');
  const digestSet = (digestAttribute.value as forge.asn1.Asn1[])[1];
  const digest = (digestSet?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value as string;
  assert.equal(
    Buffer.from(digest, 'binary').toString('hex'),
    createHash('sha256').update(signed).digest('hex'),
  );

  const signer = message.certificates.find(
    (cert) => cert.subject.getField('CN')?.value !== 'borica-flows development CA',
  );
  assert.ok(signer, 'the signature carries the signer certificate');
  const signedAttributes = forge.asn1.create(
    forge.asn1.Class.UNIVERSAL,
    forge.asn1.Type.SET,
    true,
    attributes,
  );
  const signedAttributesDer = Buffer.from(forge.asn1.toDer(signedAttributes).getBytes(), 'binary');
  const publicKeyPem = forge.pki.publicKeyToPem(signer.publicKey);
  assert.ok(
    verify('sha256', signedAttributesDer, publicKeyPem, Buffer.from(message.rawCapture.signature, 'binary')),
    'the RSA signature verifies',
  );
  assert.ok(
    forge.pki.certificateFromPem(caCertPem).verify(signer),
    'the signer certificate chains to the development CA',
  );

  return {
    signerCommonName: String(signer.subject.getField('CN')?.value),
    signedAttributeTypes: attributeTypes,
  };
}

/** The Contents placeholder is zero-padded past the end of the DER structure. */
function withoutPadding(der: Buffer): Buffer {
  const lengthBytes = (der[1] ?? 0) & 0x7f;
  const length = (der[1] ?? 0) < 0x80 ? (der[1] ?? 0) : der.readUIntBE(2, lengthBytes);
  const header = (der[1] ?? 0) < 0x80 ? 2 : 2 + lengthBytes;
  return der.subarray(0, header + length);
}

describe('sandbox PDFs', () => {
  let pki: DevPki;
  let signer: CadesSigner;

  before(async () => {
    pki = await ensureDevPki();
    signer = await CadesSigner.fromP12(pki.signerP12Path, pki.signerP12Passphrase);
  });

  it('makes an eID certificate that pdf-lib reads and that carries a valid seal', async () => {
    const person = webPerson('Мария Петрова');
    const facts = {
      identifier: identifierFor('24102167', person),
      reason: 'Opening an account',
      relyingParty: 'Bank',
      issuedAt: new Date(),
    };
    const certificate = await createEidCertificate(person, facts, signer);

    const doc = await PDFDocument.load(certificate);
    assert.equal(doc.getPageCount(), 1);
    assert.equal(doc.getTitle(), 'Electronic identity certificate');
    assert.equal(
      verifyPdfSignature(certificate, pki.caCertPem).signerCommonName,
      'borica-flows sandbox signer',
    );
  });

  it('signs a document with a PAdES baseline signature: ETSI.CAdES.detached with signing-certificate-v2', async () => {
    const signed = await signDocument(
      await contractPdf(),
      { signerName: 'Maria Petrova', reason: 'Loan agreement', signingTime: new Date() },
      signer,
    );

    assert.match(signed.toString('latin1'), /\/SubFilter \/ETSI\.CAdES\.detached/);
    const verified = verifyPdfSignature(signed, pki.caCertPem);
    assert.ok(verified.signedAttributeTypes.includes(SIGNING_CERTIFICATE_V2));
    assert.equal((await PDFDocument.load(signed)).getPageCount(), 1);
  });

  it('draws a visible signature box where the guide positions it, measured from the top left', async () => {
    const visible = { imageXAxis: 60, imageYAxis: 100, imageWidth: 180, imageHeight: 60, pageNumber: 1 };
    const signed = await signDocument(
      await contractPdf(),
      { signerName: 'Maria Petrova', reason: 'Loan', signingTime: new Date(), visible },
      signer,
    );

    const page = (await PDFDocument.load(signed)).getPage(0);
    const widget = page.node.lookup(PDFName.of('Annots'), PDFArray).lookup(0, PDFDict);
    const rect = widget.lookup(PDFName.of('Rect'), PDFArray).asRectangle();
    assert.deepEqual(rect, { x: 60, y: page.getHeight() - 160, width: 180, height: 60 });
  });

  it('tells a PDF it can sign from bytes that are not one', async () => {
    assert.equal(await problemWithDocument(await contractPdf()), undefined);
    assert.equal(await problemWithDocument(Buffer.from('plain text')), 'is not a PDF');
    assert.equal(await problemWithDocument(Buffer.from('%PDF-1.7 broken')), 'is not a readable PDF');
  });

  it('writes Bulgarian names in Latin letters the standard fonts can show', () => {
    assert.equal(latin('Щерьо Цветанов'), 'Shteryo Tsvetanov');
    assert.equal(latin('José 😀'), 'José ?');
  });
});
