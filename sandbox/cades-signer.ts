import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Signer } from '@signpdf/signpdf';
import forge from 'node-forge';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
};

const { asn1 } = forge;
const { Class, Type } = asn1;

/**
 * Makes the detached CMS signature a PAdES baseline (B-B) signature needs under the
 * `ETSI.CAdES.detached` sub-filter: content type, message digest and the ESS
 * signing-certificate-v2 attribute, and no signing-time attribute (the time lives in the
 * signature dictionary). `P12Signer` cannot add the ESS attribute, hence this signer.
 *
 * The PKCS#12 file is read once; signing itself runs on node:crypto.
 */
export class CadesSigner extends Signer {
  private constructor(
    private readonly key: KeyObject,
    private readonly certificate: forge.pki.Certificate,
    private readonly chain: forge.pki.Certificate[],
  ) {
    super();
  }

  static async fromP12(path: string, passphrase: string): Promise<CadesSigner> {
    const der = await readFile(path, 'binary');
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1.fromDer(der), passphrase);
    const key = privateKeyOf(p12);
    const chain = certificatesOf(p12);
    const certificate = chain.find((cert) => matches(cert, key));
    if (!certificate)
      throw new Error(`${path} holds no certificate for its private key; recreate the development PKI`);

    return new CadesSigner(createPrivateKey(forge.pki.privateKeyToPem(key)), certificate, chain);
  }

  /** Common name of the signing certificate. */
  get signerName(): string {
    return String(this.certificate.subject.getField('CN')?.value ?? '');
  }

  override async sign(content: Buffer): Promise<Buffer> {
    const attributes = sortedSet(this.signedAttributes(content));
    const signature = sign('sha256', Buffer.from(asn1.toDer(attributes).getBytes(), 'binary'), this.key);

    const signerInfo = sequence(
      integer(1),
      this.issuerAndSerial(),
      algorithm(OID.sha256),
      tagged(0, attributes.value as forge.asn1.Asn1[]),
      algorithm(OID.rsaEncryption),
      octets(signature),
    );
    const signedData = sequence(
      integer(1),
      set(algorithm(OID.sha256)),
      sequence(oid(OID.data)),
      tagged(
        0,
        this.chain.map((cert) => forge.pki.certificateToAsn1(cert)),
      ),
      set(signerInfo),
    );
    const contentInfo = sequence(oid(OID.signedData), tagged(0, [signedData]));
    return Buffer.from(asn1.toDer(contentInfo).getBytes(), 'binary');
  }

  private signedAttributes(content: Buffer): forge.asn1.Asn1[] {
    const certificateDer = Buffer.from(
      asn1.toDer(forge.pki.certificateToAsn1(this.certificate)).getBytes(),
      'binary',
    );
    const essCertId = sequence(octets(sha256(certificateDer)), this.issuerSerial());

    return [
      attribute(OID.contentType, oid(OID.data)),
      attribute(OID.messageDigest, octets(sha256(content))),
      attribute(OID.signingCertificateV2, sequence(sequence(essCertId))),
    ];
  }

  private issuerAndSerial(): forge.asn1.Asn1 {
    return sequence(forge.pki.distinguishedNameToAsn1(this.certificate.issuer), this.serial());
  }

  private issuerSerial(): forge.asn1.Asn1 {
    const directoryName = asn1.create(Class.CONTEXT_SPECIFIC, 4, true, [
      forge.pki.distinguishedNameToAsn1(this.certificate.issuer),
    ]);
    return sequence(sequence(directoryName), this.serial());
  }

  private serial(): forge.asn1.Asn1 {
    return asn1.create(
      Class.UNIVERSAL,
      Type.INTEGER,
      false,
      forge.util.hexToBytes(this.certificate.serialNumber),
    );
  }
}

function privateKeyOf(p12: forge.pkcs12.Pkcs12Pfx): forge.pki.rsa.PrivateKey {
  const bagType = forge.pki.oids.pkcs8ShroudedKeyBag as string;
  const key = p12.getBags({ bagType })[bagType]?.[0]?.key as forge.pki.rsa.PrivateKey | undefined;
  if (!key) throw new Error('the signing PKCS#12 file holds no private key; recreate the development PKI');
  return key;
}

function certificatesOf(p12: forge.pkcs12.Pkcs12Pfx): forge.pki.Certificate[] {
  const bagType = forge.pki.oids.certBag as string;
  return (p12.getBags({ bagType })[bagType] ?? []).flatMap((bag) => (bag.cert ? [bag.cert] : []));
}

function matches(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): boolean {
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  return publicKey.n.equals(key.n) && publicKey.e.equals(key.e);
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function attribute(type: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence(oid(type), set(value));
}

/** DER wants the members of a SET OF in the order of their encodings. */
function sortedSet(members: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  const encoded = members.map((member) => ({
    member,
    der: Buffer.from(asn1.toDer(member).getBytes(), 'binary'),
  }));
  encoded.sort((a, b) => Buffer.compare(a.der, b.der));
  return set(...encoded.map(({ member }) => member));
}

function sequence(...members: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, members);
}

function set(...members: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SET, true, members);
}

function tagged(tag: number, members: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.CONTEXT_SPECIFIC, tag, true, members);
}

function oid(value: string): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(value).getBytes());
}

function integer(value: number): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(value).getBytes());
}

function octets(bytes: Buffer): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.toString('binary'));
}

function algorithm(value: string): forge.asn1.Asn1 {
  return sequence(oid(value), asn1.create(Class.UNIVERSAL, Type.NULL, false, ''));
}
