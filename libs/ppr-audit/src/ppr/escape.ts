import { InvalidInputError } from '@envoys/envoy-core';

// Characters XML 1.0 cannot carry at all, not even escaped.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Escapes a value for use as element text. A carriage return is written as a reference because a parser
 * would otherwise turn it into a line feed. `what` names the value in the error for characters XML cannot hold.
 */
export function escapeXmlText(value: string, what: string): string {
  if (NOT_XML.test(value)) {
    throw new InvalidInputError(`${what} ${JSON.stringify(value)} contains a character that XML cannot hold`);
  }
  return value.replace(/[&<>\r]/g, (char) => {
    switch (char) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '&#13;';
    }
  });
}
