/**
 * Turns a text column's raw bytes into a string in the column's MySQL character set.
 * zongji normally hands text columns over already decoded; this is for the values it
 * leaves as a Buffer (a charset it has no decoder for, or a row read some other way).
 */
export type CharsetDecoder = (bytes: Uint8Array) => string;

/** MySQL charset name -> WHATWG encoding label understood by TextDecoder. */
const WHATWG_LABELS: Readonly<Record<string, string>> = {
  utf8: 'utf-8',
  utf8mb3: 'utf-8',
  utf8mb4: 'utf-8',
  ascii: 'utf-8',
  latin2: 'iso-8859-2',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp866: 'ibm866',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  macroman: 'macintosh',
  tis620: 'windows-874',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  gb2312: 'gbk',
  gbk: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

/**
 * MySQL's latin1 is Windows-1252 (0x80 is '€'), except that the five bytes 1252 leaves
 * undefined map to the C1 controls. Node 20's TextDecoder('windows-1252') decodes 0x80-0x9F
 * as C1 controls throughout, so this charset is decoded here.
 */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

function decodeMysqlLatin1(bytes: Uint8Array): string {
  let special = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80 && b <= 0x9f) {
      special = true;
      break;
    }
  }
  if (!special) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? (CP1252_HIGH[b - 0x80] as number) : b);
  }
  return out;
}

const C1_RANGE = /[\u0080-\u009f]/;

/**
 * Repairs text that was decoded byte for byte (ISO-8859-1) from MySQL latin1: its
 * 0x80-0x9F bytes are the Windows-1252 characters ('€' for 0x80), except the five that
 * stay C1 controls. Text MySQL itself converted (a SELECT) holds only those five from
 * that range, which map to themselves, so applying this to it changes nothing.
 */
export function latin1FromIso88591(text: string): string {
  if (!C1_RANGE.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += String.fromCharCode(c >= 0x80 && c <= 0x9f ? (CP1252_HIGH[c - 0x80] as number) : c);
  }
  return out;
}

/** A decoder for the charset, or null when Node cannot decode it. */
export function charsetDecoder(charset: string | null): CharsetDecoder | null {
  const name = (charset ?? 'utf8mb4').toLowerCase();
  if (name === 'latin1') return decodeMysqlLatin1;
  const label = WHATWG_LABELS[name];
  if (label === undefined) return null;
  try {
    const decoder = new TextDecoder(label, { ignoreBOM: true });
    return (bytes) => decoder.decode(bytes);
  } catch {
    return null;
  }
}
