// @ts-check
// The progress of a filing (扫码查询办理进度), its 好差评 and its correction. Whose filing it is:
// the card on the reader (all their filings), the ID number typed with the reference, or the
// receipt's QR code (typed `P1:…` into the reference and Enter; or scanned, as a handle on it).
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox, announce, valueOf, inputs } from './dom.js';
import { api, Problem } from './api.js';
import { screens, show, render, act, goHome } from './screen.js';
import { identityChooser } from './card.js';
import { showSession } from './filing.js';

function progressCode(text) { return /^P1:[A-Za-z0-9-]+:[0-9a-z]+$/.test(text) ? text : null; }

screens.progress = (root) => {
  const reference = h('input', { id: 'progress-reference', autocomplete: 'off', autocapitalize: 'characters', value: state.progress.reference || '' });
  const typed = () => reference.value.trim();
  add(root, heading(t('progressTitle')), h('p', { class: 'help' }, t('progressHelp')), problemBox(state.problem),
    h('form', { onsubmit: (event) => {
      event.preventDefault();
      const code = progressCode(typed());
      if (code) act(() => lookUpProgress({ code }, null));
      else document.getElementById('id-number').focus();
    } }, h('div', { class: 'field' }, h('label', { for: 'progress-reference' }, t('progressReference')), reference)),
    identityChooser((identity) => {
      const code = progressCode(typed());
      return code ? lookUpProgress({ code }, null) : lookUpProgress(identity, typed().toUpperCase() || null);
    }, t('progressWithCard'), t('progressWithNumber')),
    h('div', { class: 'actions' }, button(t('back'), () => goHome())));
};

/**
 * Looks up the filings of `identity` (one, with a reference or a receipt's code) and shows them.
 * @param {any} identity  `{ useCard: true }`, `{ idNumber }`, `{ code }` (a receipt's QR code, typed)
 *   or `{ scannedReceipt }` (the handle of a scanned receipt)
 * @param {string | null} reference
 */
export async function lookUpProgress(identity, reference) {
  const body = Object.assign(reference ? { reference } : {}, identity);
  const [results, lists] = await Promise.all([api('POST', '/v1/progress/lookup', body),
    state.ratingLists ? state.ratingLists : api('GET', '/v1/filings/reasons')]);
  state.ratingLists = lists;
  // A scanned receipt's handle opens the progress once; this screen rates or corrects with the
  // handle that replaced it, which only the answer carries (never shown).
  const next = identity.scannedReceipt ? { scannedReceipt: results.length ? results[0].scannedReceipt : null } : identity;
  show('progress-results', { progress: { identity: next, reference, results, rated: {} } });
}

screens['progress-results'] = (root) => {
  const { results } = state.progress;
  add(root, heading(t('progressTitle')), problemBox(state.problem));
  if (!results.length) add(root, h('p', { id: 'progress-none' }, t('progressNone')));
  for (const filing of results) add(root, progressPanel(filing));
  add(root, h('div', { class: 'actions' }, button(t('back'), () => show('progress', { progress: { reference: state.progress.reference } })),
    button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' })));
};

function progressPanel(filing) {
  const history = t('historyEvents');
  const panel = h('section', { class: 'panel progress-filing', 'data-reference': filing.reference, 'data-state': filing.state },
    h('h2', {}, lt(filing.title)),
    h('p', {}, t('reference'), ' ', h('strong', { class: 'progress-reference' }, filing.reference)),
    h('p', { class: 'big-code progress-state' }, lt(filing.stateText)));
  for (const part of filing.parts) {
    add(panel, h('div', { class: 'terms progress-part', 'data-part': part.part },
      filing.parts.length > 1 ? h('p', {}, h('strong', {}, lt(part.matter)), ' · ', lt(part.stateText)) : null,
      h('p', {}, lt(part.department)),
      part.dueDate ? h('p', {}, t('dueBy', part.dueDate), part.provisional ? ' ' + t('dayProvisional') : '') : null,
      part.returnReasons.length ? h('p', { class: 'problem progress-return' }, t('returnedWhy', part.returnReasons.map((r) => lt(r.label)).join(t('listSeparator'))),
        part.returnNote ? ' · ' + part.returnNote : '') : null,
      part.outcome ? h('p', { class: 'progress-result' }, t('resultIs', t('outcomes')[part.outcome])) : null,
      part.document ? h('p', {}, t('documentIs', part.document)) : null,
      part.collectAt ? h('p', { class: 'progress-collect' }, t('collectAtIs', part.collectAt)) : null));
  }
  if (filing.awaited.length) {
    add(panel, h('div', { class: 'problem' }, h('p', {}, t('awaitedTitle')),
      h('ul', {}, filing.awaited.map((m) => h('li', {}, t('deferredDue', lt(m.name), m.dueDate))))));
  }
  add(panel, h('h3', {}, t('historyTitle')), h('ol', { class: 'progress-history' }, filing.history.map((entry) =>
    h('li', { 'data-event': entry.event }, `${entry.on} · ${history[entry.event] || entry.event}${entry.part ? ' · ' + entry.part : ''}`))));
  if (filing.rating) add(panel, h('p', { class: 'notice-ok progress-rated', role: 'status' }, t('ratedAs', gradeLabel(filing.rating))));
  else if (filing.canRate) add(panel, filingRating(filing));
  if (filing.canCorrect) {
    add(panel, h('div', { class: 'actions' }, button(t('correctFiling'), () => act(async () => {
      const view = await api('POST', `/v1/filings/${encodeURIComponent(filing.reference)}/correction`, state.progress.identity);
      state.sessionId = view.sessionId;
      sessionStorage.setItem('kiosk.sessionId', view.sessionId);
      Object.assign(state, { review: null, notice: null, materialInfo: {}, materialsConfirmed: false, noticeReceipt: null, filing: null });
      showSession(view);
    }), { class: 'primary correct-filing' })));
  }
  return panel;
}

function gradeLabel(code) {
  const grade = state.ratingLists.grades.find((g) => g.grade === code);
  return grade ? lt(grade.label) : code;
}

// 好差评 of a finished filing: the five national grades, reasons from the hall's list, a comment.
function filingRating(filing) {
  const name = `grade-${filing.reference}`;
  const lists = state.ratingLists;
  return h('fieldset', { class: 'panel filing-rating' }, h('legend', {}, t('rateFilingTitle')),
    h('div', { class: 'choices grades' }, lists.grades.map((grade) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name, value: grade.grade }), lt(grade.label)))),
    h('p', {}, t('ratingReasonsLabel')),
    h('div', { class: 'choices' }, lists.ratingReasons.map((reason) => h('label', { class: 'choice' },
      h('input', { type: 'checkbox', name: `${name}-reason`, value: reason.code }), lt(reason.label)))),
    h('div', { class: 'field' }, h('label', { for: `${name}-comment` }, t('ratingComment')),
      h('input', { id: `${name}-comment`, autocomplete: 'off', maxlength: '200' })),
    h('div', { class: 'actions' }, button(t('submitRating'), () => act(async () => {
      const [chosen] = inputs(`input[name="${name}"]:checked`);
      if (!chosen) throw new Problem(422, { messages: { 'zh-CN': t('chooseGrade'), en: t('chooseGrade') } });
      const body = Object.assign({ grade: chosen.value,
        reasons: inputs(`input[name="${name}-reason"]:checked`).map((input) => input.value) },
      state.progress.identity);
      const comment = valueOf(`${name}-comment`).trim();
      if (comment) body.comment = comment;
      const updated = await api('POST', `/v1/filings/${encodeURIComponent(filing.reference)}/rating`, body);
      state.progress.results = state.progress.results.map((f) => (f.reference === updated.reference ? updated : f));
      render(false);
      announce(t('thanksRating'));
    }), { class: 'primary submit-rating' })));
}
