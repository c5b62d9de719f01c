// The pipeline's XmlObjectifier (pipeline/extern/XmlObjectifier.py), ported: the parsed document becomes
// objects whose attributes are the child elements by name, namespace prefix dropped and '-' read as '_'. A
// name that occurs once is the element itself, a name that occurs several times a list of them, so the
// pipeline's `a.B.C` fails (AttributeError) as soon as one step is missing or repeated, and `a.B[0]` fails
// (TypeError) when B occurs once. getValue() demands exactly one child node that is text and converts it
// with castType; getAttribute() converts too (a missing attribute is '').
const { parseXml, normalize, XmlError, TEXT } = require('./xml.cjs');
const { PyError, castType } = require('./python.cjs');

const NODE_NAMES = { 1: 'Element', 3: 'Text', 4: 'CDATASection', 7: 'ProcessingInstruction', 8: 'Comment' };

class XmlObjectifierError extends PyError {
  constructor(message) {
    super('pipeline.extern.XmlObjectifier.XmlObjectifierError', `'${message}'`);
  }
}

function pythonName(qualified) {
  // mapNameSpaces=0: the prefix (and its colon) is replaced by ''.
  const colon = qualified.indexOf(':');
  const name = colon < 0 ? qualified : qualified.replace(`${qualified.slice(0, colon)}:`, '');
  return name.replace(/-/g, '_');
}

/** An element as XmlObjectifier presents it. */
class XmlElement {
  constructor(node) {
    this.node = node;
    this.tagName = node.tagName;
    this.children = new Map();
    for (const child of node.childNodes) {
      if (child.nodeType !== 1) continue;
      const name = pythonName(child.tagName);
      if (!this.children.has(name)) this.children.set(name, []);
      this.children.get(name).push(new XmlElement(child));
    }
  }

  getValue() {
    const nodes = this.node.childNodes;
    if (nodes.length > 1) throw new XmlObjectifierError('Xml Element does not seem to be an end point');
    if (nodes.length < 1) throw new XmlObjectifierError('Xml Element does not have any child nodes');
    if (nodes[0].nodeType !== TEXT) throw new XmlObjectifierError('Xml Element does not have any text included');
    return castType(nodes[0].data);
  }

  getAttribute(name) {
    return castType(this.node.attributes.get(name) ?? '');
  }
}

/** `value.Name`: the child (or list of children) called Name, else AttributeError. */
function attr(value, name) {
  if (Array.isArray(value)) throw new PyError('AttributeError', `'list' object has no attribute '${name}'`);
  const children = value.children.get(name);
  if (!children) throw new PyError('AttributeError', `'XmlElement' object has no attribute '${name}'`);
  return children.length === 1 ? children[0] : children;
}

/** `value[index]`: only a list (a repeated element) can be indexed. */
function item(value, index) {
  if (!Array.isArray(value)) throw new PyError('TypeError', "'XmlElement' object is not subscriptable");
  if (index >= value.length) throw new PyError('IndexError', 'list index out of range');
  return value[index];
}

/** `value.getValue()` on what attr() returned: a list has no such method. */
function getValue(value) {
  if (Array.isArray(value)) throw new PyError('AttributeError', "'list' object has no attribute 'getValue'");
  return value.getValue();
}

function getAttribute(value, name) {
  if (Array.isArray(value)) throw new PyError('AttributeError', "'list' object has no attribute 'getAttribute'");
  return value.getAttribute(name);
}

/**
 * XmlObject(fileName=...): parses (expat errors become xml.parsers.expat.ExpatError), normalises the
 * document element, and returns the document as an object whose only child is the root element.
 */
function objectify(bytes) {
  let document;
  try {
    document = parseXml(bytes);
  } catch (error) {
    if (error instanceof XmlError) throw new PyError('xml.parsers.expat.ExpatError', error.message);
    throw error;
  }
  normalize(document.documentElement);
  return new XmlElement({ tagName: '#document', childNodes: [document.documentElement], attributes: new Map() });
}

module.exports = { objectify, attr, item, getValue, getAttribute, NODE_NAMES };
