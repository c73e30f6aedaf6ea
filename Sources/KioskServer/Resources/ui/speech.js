// @ts-check
// Reading aloud: the server speaks what the screen shows, never a text the page sends. A
// filing's screen is read from its form (never an answer); the home and booking screens from the
// screen's text catalogue (texts.json) and the server's own data, named by screen, service id
// and date. The page names what to read, the voice and the rate, and plays the WAV. F2 or the
// switch turns it on and off.
import { state } from './state.js';
import { byId } from './dom.js';
import { api } from './api.js';
import { render, drawChrome, onScreenShown } from './screen.js';

/** Words per minute, by `state.speechRate`. */
const SPEECH_RATES = [160, 120, 90];

// The other citizen screens read their own words from the catalogue by key: their title and
// what to do there. What they show of a person (a ticket, a booking, a filing) is not read.
/** @type {Record<string, string[]>} */
const SCREEN_KEYS = {
  card: ['placeCardTitle', 'placeCardPrompt'],
  'book-confirm': ['confirmBooking'],
  'booking-done': ['bookedTitle'],
  lookup: ['lookupTitle', 'lookupSub'],
  checkin: ['checkInTitle', 'checkInSub'],
  progress: ['progressTitle', 'progressHelp'],
  'progress-results': ['progressTitle'],
  policies: ['policiesTitle', 'policiesIntro'],
  'policy-results': ['policiesTitle'],
};

/**
 * What of the screen is read: its name (for the audio element's `data-part`) and the address
 * of its speech without voice and rate; null when the screen has nothing to read.
 * @returns {{ part: string, path: string } | null}
 */
function speechSource() {
  const booking = state.booking || {};
  switch (state.screen) {
    case 'home': case 'book-service':
      return { part: state.screen, path: `/v1/speech?screen=${state.screen}` };
    case 'book-day':
      if (!booking.serviceId) return null;
      return { part: state.screen, path: `/v1/speech?screen=book-day&service=${encodeURIComponent(booking.serviceId)}` };
    case 'book-slot':
      if (!booking.serviceId || !booking.date) return null;
      return { part: state.screen,
        path: `/v1/speech?screen=book-slot&service=${encodeURIComponent(booking.serviceId)}&date=${encodeURIComponent(booking.date)}` };
  }
  const keys = state.screen === 'checkin' && state.scannedSlip ? ['checkInTitle', 'scannedSlipPlaceCard'] : SCREEN_KEYS[state.screen];
  if (keys) return { part: state.screen, path: `/v1/speech?keys=${keys.join(',')}` };
  const view = state.session;
  if (state.screen !== 'session' || !view || !state.sessionId) return null;
  if (view.position === 'review') return { part: 'review', path: '/v1/speech?keys=reviewTitle,reviewHelp' };
  const session = (/** @type {string} */ part) => ({ part, path: `/v1/sessions/${state.sessionId}/speech?part=${part}` });
  if (view.position === 'step') return session(state.validation && state.validation.errors.length ? 'errors' : 'step');
  if (view.position === 'declaration' && !state.materialsConfirmed && state.notice && state.notice.missing.length) return session('materials');
  return null;
}

/** Reads the screen aloud when reading aloud is on and the screen has something to read. */
export function readAloud() {
  const source = speechSource();
  const audio = /** @type {HTMLAudioElement} */ (byId('speech-audio'));
  if (!state.speech || !source) { audio.pause(); return; }
  play(source.part, source.path);
}

/**
 * @param {string} part  what is read, for the audio element's `data-part`
 * @param {string} path  the speech's address with its query, without voice and rate
 */
function play(part, path) {
  const audio = /** @type {HTMLAudioElement} */ (byId('speech-audio'));
  const voice = state.lang === 'zh-CN' ? 'cmn' : 'en';
  audio.dataset.part = part;
  delete audio.dataset.duration;
  audio.src = `${path}&voice=${voice}&rate=${SPEECH_RATES[state.speechRate]}`;
  audio.play().catch(() => {});
}

/**
 * One answer read aloud, only when the citizen asks: what is typed on the page is saved first,
 * so what is spoken is what the review page will show (an ID number masked, as on receipts).
 * @param {any} field  the field as the step's view describes it
 */
export async function readAnswer(field) {
  if (!field.readOnly && Object.prototype.hasOwnProperty.call(state.drafts, field.id)
      && JSON.stringify(state.drafts[field.id]) !== JSON.stringify(field.value)) {
    await api('PUT', `/v1/sessions/${state.sessionId}/answers/${encodeURIComponent(field.id)}`, { value: state.drafts[field.id] });
  }
  play('value', `/v1/sessions/${state.sessionId}/speech?part=value&field=${encodeURIComponent(field.id)}`);
}

function toggleSpeech() {
  state.speech = !state.speech;
  drawChrome();
  if (state.screen === 'session') render(false);  // the fields' "read my answer" buttons
  readAloud();
}

onScreenShown(readAloud);
byId('speech-audio').addEventListener('loadedmetadata', (event) => {
  const audio = /** @type {HTMLAudioElement} */ (event.target);
  audio.dataset.duration = String(audio.duration);
});
byId('speech-button').addEventListener('click', toggleSpeech);
byId('speech-rate-button').addEventListener('click', () => {
  state.speechRate = (state.speechRate + 1) % SPEECH_RATES.length;
  drawChrome();
  readAloud();
});
// F2 on the terminal's keyboard switches reading aloud, wherever the focus is.
document.addEventListener('keydown', (event) => {
  if (event.key === 'F2') { event.preventDefault(); toggleSpeech(); }
});
