// @ts-check
// The terminal's event stream (`GET /v1/events`, server-sent events): each screen module says
// which events it handles; the stream is opened once all have (main.js).

/** @typedef {(event: any) => void} EventHandler */

/** @type {Map<string, EventHandler[]>} */
const handlers = new Map();
/** @type {EventHandler[]} */
const everyEvent = [];
// Events no module handles by type, heard by the handlers of every event (queue and help).
const alsoHeard = ['ticketIssued', 'ticketCalled', 'ticketRecalled', 'ticketNoShow', 'ticketFinished', 'ticketTransferred',
  'helpRequested', 'helpTaken', 'helpHandedOver', 'helpClosed', 'helpTimedOut'];

/**
 * Calls `handler` with each event of `type`, in the order the handlers were added.
 * @param {string} type
 * @param {EventHandler} handler
 */
export function onEvent(type, handler) {
  handlers.set(type, [...(handlers.get(type) || []), handler]);
}

/**
 * Calls `handler` with every event heard, after the handlers of its type.
 * @param {EventHandler} handler
 */
export function onEveryEvent(handler) {
  everyEvent.push(handler);
}

/** Opens the stream; the browser reconnects by itself when it drops. */
export function connectEvents() {
  const events = new EventSource('/v1/events');
  for (const type of new Set([...handlers.keys(), ...alsoHeard])) {
    events.addEventListener(type, (message) => {
      const event = JSON.parse(message.data);
      for (const handler of handlers.get(type) || []) handler(event);
      for (const handler of everyEvent) handler(event);
    });
  }
}
