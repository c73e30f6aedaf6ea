// @ts-check
// Reading aloud: the server speaks what a filing's screen shows (its own texts from the form,
// never an answer); the page names the part of the screen, the voice and the rate, and plays
// the WAV. F2 or the switch turns it on and off.
import { state } from './state.js';
import { byId } from './dom.js';
import { api } from './api.js';
import { render, drawChrome, onScreenShown } from './screen.js';

/** Words per minute, by `state.speechRate`. */
const SPEECH_RATES = [160, 120, 90];

/** The part of the screen that is read, or null when the screen has none. */
function speechPart() {
  const view = state.session;
  if (state.screen !== 'session' || !view || !state.sessionId) return null;
  if (view.position === 'step') return state.validation && state.validation.errors.length ? 'errors' : 'step';
  if (view.position === 'declaration' && !state.materialsConfirmed && state.notice && state.notice.missing.length) return 'materials';
  return null;
}

/** Reads the screen aloud when reading aloud is on and the screen has something to read. */
export function readAloud() {
  const part = speechPart();
  const audio = /** @type {HTMLAudioElement} */ (byId('speech-audio'));
  if (!state.speech || !part) { audio.pause(); return; }
  play(part);
}

/**
 * @param {string} part
 * @param {string} [extra]  more query parameters, each starting with `&`
 */
function play(part, extra = '') {
  const audio = /** @type {HTMLAudioElement} */ (byId('speech-audio'));
  const voice = state.lang === 'zh-CN' ? 'cmn' : 'en';
  audio.dataset.part = part;
  delete audio.dataset.duration;
  audio.src = `/v1/sessions/${state.sessionId}/speech?part=${part}&voice=${voice}&rate=${SPEECH_RATES[state.speechRate]}${extra}`;
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
  play('value', `&field=${encodeURIComponent(field.id)}`);
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
