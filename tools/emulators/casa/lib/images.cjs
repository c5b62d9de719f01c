// The images an imaging run exports, as small FITS files: a point source, its primary beam, the noise, the
// clean mask and the spectral index, on a 16x16 grid with a sky coordinate system.
const { fitsImage } = require('./fits.cjs');

function imagePixels(kind) {
  const r2 = (x, y) => (x - 7.5) ** 2 + (y - 7.5) ** 2;
  switch (kind) {
    case 'rms':
      return () => 1.2e-5;
    case 'pb':
      return (x, y) => Math.exp(-r2(x, y) / 60);
    case 'mask':
      return (x, y) => (r2(x, y) < 9 ? 1 : 0);
    case 'alpha':
      return (x, y) => (r2(x, y) < 9 ? -0.7 : NaN);
    default:
      return (x, y) => 2.5e-3 * Math.exp(-r2(x, y) / 4) + 1e-5 * Math.sin(x * 7 + y * 3);
  }
}

const BUNITS = { image: 'Jy/beam', rms: 'Jy/beam', pb: '', mask: '', alpha: '' };

/** The FITS bytes of one exported image of `field`: kind is image, rms, pb, mask or alpha. */
function exportedImage(field, kind, telescope) {
  return fitsImage({
    width: 16,
    height: 16,
    pixel: imagePixels(kind),
    cards: [
      ['BUNIT', BUNITS[kind], 'Brightness (pixel) unit'],
      ['OBJECT', field],
      ['TELESCOP', telescope ?? 'EVLA'],
      ['CTYPE1', 'RA---SIN'],
      ['CRVAL1', 188.5],
      ['CDELT1', -2.7777778e-4],
      ['CRPIX1', 8.5],
      ['CTYPE2', 'DEC--SIN'],
      ['CRVAL2', 56.9666667],
      ['CDELT2', 2.7777778e-4],
      ['CRPIX2', 8.5],
      ['DATE', new Date().toISOString().slice(0, 19), 'Date FITS file was written'],
      ['ORIGIN', 'CASA emulator (casa-6.1.2.7)'],
    ],
  });
}

module.exports = { exportedImage };
