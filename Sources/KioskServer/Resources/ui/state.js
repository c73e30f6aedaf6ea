// @ts-check
// What the terminal's screen knows: one object, read and changed by the screen modules, drawn by
// screen.js. The server's views are kept as they came (`any`: their shapes are in docs/openapi.yaml).

/**
 * @typedef {Object} Printer
 * @property {string} state  the device's state (`offline`, `error`, `ready`, …)
 * @property {string} [paper]  `ok`, `nearEnd` or `out`
 */

/**
 * @typedef {Object} StaffSignIn
 * @property {string} token  the bearer token, in this page's memory only
 * @property {string} role  `staff`, `technician`, `supervisor` or `admin`
 * @property {string} staffNumber
 */

/**
 * @typedef {Object} KioskState
 * @property {'zh-CN' | 'en'} lang
 * @property {number} textSize  0 normal, 1 large, 2 larger
 * @property {boolean} contrast
 * @property {boolean} speech  reading aloud on
 * @property {number} speechRate  index into the speech rates
 * @property {string} screen  the key of the screen drawn (see `screens` in screen.js)
 * @property {any} info  `GET /v1/info`
 * @property {any[]} forms  `GET /v1/forms`
 * @property {any[] | null} services  `GET /v1/services`
 * @property {any} card  the card on the reader as the event stream told it
 * @property {boolean} cardPresent  a card is on the reader (perhaps not read by this page)
 * @property {any} cardFault
 * @property {string | null} paper  the paper of the last printer that said
 * @property {Record<string, Printer> | null} printers  by device id; null until known
 * @property {string | null} sessionId  the filing session of this citizen
 * @property {any} session  the session's view
 * @property {any} validation  the errors of the step, as the server found them
 * @property {string | null} problem  the sentence in the screen's problem box
 * @property {Record<string, any>} drafts  answers typed on this step, not yet sent
 * @property {any[] | null} review
 * @property {any} notice  the materials notice
 * @property {Record<string, any>} materialInfo  each material met so far, by its id
 * @property {boolean} materialsConfirmed
 * @property {any} noticeReceipt
 * @property {string | null} pendingCommitment  the material whose commitment is being read
 * @property {any} filing  the submitted filing
 * @property {string | null} formId
 * @property {any} booking  the booking flow's own values (mode, slots, record, check-in …)
 * @property {StaffSignIn | null} staff
 * @property {string | null} [assistedBy]  the staff number of who took over the session
 * @property {any} [progress]  the progress screens' values
 * @property {any} [ratingLists]  `GET /v1/filings/reasons`
 * @property {any} [policyOptions]
 * @property {any} [policyProfile]
 * @property {any[] | null} [policyMatches]
 * @property {any} [policyPrinted]
 * @property {string | null} [scannedSlip]  the handle of a booking slip scanned before the card was placed (never its code)
 */

/** @type {KioskState} */
export const state = {
  lang: 'zh-CN', textSize: 0, contrast: false, speech: false, speechRate: 0, screen: 'home',
  info: null, forms: [], services: null, card: null, cardPresent: false, cardFault: null, paper: null,
  printers: null,
  sessionId: null, session: null, validation: null, problem: null, drafts: {},
  review: null, notice: null, materialInfo: {}, materialsConfirmed: false, noticeReceipt: null, pendingCommitment: null,
  filing: null, formId: null,
  booking: {}, staff: null,
};

// The server forgets the card's data when a session ends; the next citizen places theirs.
/** Forgets everything the last citizen left on the screen (the display switches stay). */
export function resetCitizen() {
  Object.assign(state, {
    card: null, cardFault: null,
    session: null, validation: null, drafts: {}, review: null, notice: null, materialInfo: {}, pendingCommitment: null,
    materialsConfirmed: false, noticeReceipt: null, filing: null, formId: null, booking: {}, assistedBy: null, progress: null,
    policyProfile: { tags: [] }, policyMatches: null, policyPrinted: null, scannedSlip: null,
  });
}
