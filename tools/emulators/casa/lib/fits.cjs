// Minimal but valid FITS files: a primary header of 80-character cards ending in END, padded with spaces to a
// multiple of 2880 bytes, then big-endian 32-bit float pixels padded with zeros to the same block size.
// Enough for any FITS reader to open the images the emulated pipeline "exports".

const BLOCK = 2880;

function formatValue(value) {
  if (typeof value === 'boolean') return (value ? 'T' : 'F').padStart(20);
  if (typeof value === 'number') return (Number.isInteger(value) ? String(value) : value.toExponential(8).toUpperCase()).padStart(20);
  return `'${String(value).replace(/'/g, "''").padEnd(8)}'`.padEnd(20);
}

/** One header card: keyword in columns 1-8, "= " in 9-10, the value from column 11, then a comment. */
function card(keyword, value, comment) {
  const text = `${keyword.padEnd(8)}= ${formatValue(value)}${comment ? ` / ${comment}` : ''}`;
  return text.slice(0, 80).padEnd(80);
}

function padTo(buffer, fill) {
  const size = Math.ceil(buffer.length / BLOCK) * BLOCK;
  return Buffer.concat([buffer, Buffer.alloc(size - buffer.length, fill)]);
}

/**
 * A 2-D image: `pixel(x, y)` gives each value (NaN allowed, as CASA writes for blanked pixels); `cards` are
 * extra [keyword, value, comment] entries after the mandatory ones.
 */
function fitsImage({ width, height, pixel, cards = [] }) {
  const header = [
    card('SIMPLE', true, 'Standard FITS'),
    card('BITPIX', -32, 'Floating point (32 bit)'),
    card('NAXIS', 2),
    card('NAXIS1', width),
    card('NAXIS2', height),
    ...cards.map(([keyword, value, comment]) => card(keyword, value, comment)),
    'END'.padEnd(80),
  ].join('');
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) data.writeFloatBE(pixel(x, y), (y * width + x) * 4);
  }
  return Buffer.concat([padTo(Buffer.from(header, 'ascii'), 0x20), padTo(data, 0)]);
}

// A 1x1 PNG: the pipeline's thumbnails only need to be PNG files.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

module.exports = { fitsImage, card, PNG, BLOCK };
