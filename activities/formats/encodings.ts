/** Node's names for the text encodings a landing file may declare. */
export const NODE_ENCODING: Readonly<Record<'utf-8' | 'utf-16' | 'latin-1', BufferEncoding>> = {
  'utf-8': 'utf8',
  'utf-16': 'utf16le',
  'latin-1': 'latin1',
};
