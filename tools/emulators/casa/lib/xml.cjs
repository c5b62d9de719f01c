// A very small XML reader: enough to turn a PPR into a tree of elements addressed by local name (namespace
// prefixes dropped) and to reject a file that is not well formed, as the pipeline's parser (expat) would.
// It knows no DTDs and keeps no attributes: the PPR needs neither.

const TOKEN = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([^\s/>]+)[^>]*?(\/?)>|<|[^<]+/g;
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

class XmlError extends Error {
  constructor(message, text, index) {
    const before = text.slice(0, index).split('\n');
    const line = before.length;
    const column = before[before.length - 1].length;
    super(`${message}: line ${line}, column ${column}`);
    this.line = line;
    this.column = column;
  }
}

function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name) => {
    if (name[0] === '#') return String.fromCodePoint(name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

const localName = (qualified) => qualified.slice(qualified.indexOf(':') + 1);

function element(name, parent) {
  return { name: localName(name), qualified: name, parent, children: [], text: '' };
}

/** Parses `text` into { name, children, text } nodes; throws XmlError with expat-like line and column. */
function parseXml(text) {
  const top = element('#document', undefined);
  let current = top;
  let root;
  for (const match of text.matchAll(TOKEN)) {
    const [token, cdata, closing, name, selfClosing] = match;
    if (token === '<') throw new XmlError('not well-formed (invalid token)', text, match.index);
    if (cdata !== undefined) current.text += cdata;
    else if (name === undefined) {
      if (!token.startsWith('<')) current.text += decode(token);
    } else if (closing) {
      if (current === top || current.qualified !== name) throw new XmlError('mismatched tag', text, match.index);
      current = current.parent;
    } else {
      if (current === top && root) throw new XmlError('junk after document element', text, match.index);
      const child = element(name, current);
      current.children.push(child);
      if (current === top) root = child;
      if (!selfClosing) current = child;
    }
  }
  if (current !== top) throw new XmlError('no element found', text, text.length);
  if (!root) throw new XmlError('no element found', text, text.length);
  return root;
}

/** Every element below `node` with the local name `name`, in document order. */
function descendants(node, name) {
  const found = [];
  const walk = (n) => {
    for (const child of n.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(node);
  return found;
}

/** The first element below `node` named `name`, or undefined. */
const first = (node, name) => (node ? descendants(node, name)[0] : undefined);

/** The trimmed text of the first element named `name` below `node`, or undefined when there is none. */
const textOf = (node, name) => first(node, name)?.text.trim();

module.exports = { parseXml, descendants, first, textOf, XmlError };
