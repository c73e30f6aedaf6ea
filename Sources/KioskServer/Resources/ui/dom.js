// @ts-check
// Element helpers: the screens are built with these, plain DOM, no framework.

/** @typedef {Node | string | number | null | undefined | false | any[]} Child  arrays of children are flattened */

/**
 * An element: `on…` attributes become listeners, `class` the class name, `text` the text, `true`
 * an empty attribute; `null`, `undefined` and `false` leave the attribute out. Children as add().
 * @template {keyof HTMLElementTagNameMap} Tag
 * @param {Tag} tag
 * @param {Record<string, any> | null} [attributes]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[Tag]}
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, value);
  }
  return add(element, ...children);
}

/**
 * Appends children: arrays flattened, null and false left out, the rest as text.
 * @template {Element} E
 * @param {E} parent
 * @param {...Child} children
 * @returns {E}
 */
export function add(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * @param {Child} label
 * @param {((event: Event) => any) | undefined} onclick
 * @param {Record<string, any>} [attributes]
 * @returns {HTMLButtonElement}
 */
export function button(label, onclick, attributes = {}) {
  return h('button', Object.assign({ type: 'button', onclick }, attributes), label);
}

/**
 * The screen's title, where the focus goes when the screen changes.
 * @param {Child} text
 * @returns {HTMLElement}
 */
export function heading(text) { return h('h1', { tabindex: '-1', id: 'screen-title' }, text); }

/**
 * @param {string | null | undefined} problem
 * @returns {HTMLElement | null}
 */
export function problemBox(problem) {
  if (!problem) return null;
  return h('div', { class: 'problem', role: 'alert', id: 'problem' }, problem);
}

/**
 * Says `message` to a screen reader (the live region is emptied first, so a repeat is said again).
 * @param {string} message
 */
export function announce(message) {
  const announcer = /** @type {HTMLElement} */ (document.getElementById('announcer'));
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = message; }, 50);
}

/**
 * The element with `id`, which the page is known to have (index.html).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  return /** @type {HTMLElement} */ (document.getElementById(id));
}

/**
 * The value of the input (or select, or text area) with `id` on the screen.
 * @param {string} id
 * @returns {string}
 */
export function valueOf(id) {
  return /** @type {HTMLInputElement} */ (document.getElementById(id)).value;
}

/**
 * The inputs on the screen that `selector` finds (checked radio buttons, boxes).
 * @param {string} selector
 * @returns {HTMLInputElement[]}
 */
export function inputs(selector) {
  return [.../** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll(selector))];
}
