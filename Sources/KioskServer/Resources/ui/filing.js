// @ts-check
// A filing at the terminal: the card placed, the guided steps with their fields, the review,
// the materials told at once (容缺 and 告知承诺), the declaration, the submission and its receipt.
// The server decides every step; the screen draws its view and sends the answers typed.
import { state, resetCitizen } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox, announce, byId, inputs } from './dom.js';
import { api, Problem } from './api.js';
import { screens, show, render, act, goHome, startWarning, stopWarning } from './screen.js';
import { onEvent } from './events.js';
import { readAloud, readAnswer } from './speech.js';
import { cardPrompt } from './card.js';
import { printResult } from './receipt.js';

onEvent('sessionTimeoutWarning', (event) => {
  if (event.sessionId === state.sessionId) startWarning(event.secondsLeft);
});
onEvent('sessionEnded', (event) => {
  if (event.sessionId !== state.sessionId) return;
  stopWarning();
  state.sessionId = null;
  sessionStorage.removeItem('kiosk.sessionId');
  resetCitizen();
  state.cardPresent = false;   // forgotten with the session, as in goHome
  show('home', { problem: t('sessionEnded') });
  announce(t('sessionEnded'));
});

// ---- place the card -----------------------------------------------------------------------
screens.card = (root) => {
  const form = state.forms.find((f) => f.id === state.formId);
  add(root, heading(t('placeCardTitle')), h('p', { class: 'help' }, form ? lt(form.title) : ''), problemBox(state.problem), cardPrompt());
  // A card already on the reader when the screen loaded is known only as present.
  const usable = state.card ? state.card.failedChecks.length === 0 : state.cardPresent;
  add(root, h('div', { class: 'actions' },
    button(t('back'), () => goHome()),
    button(t('cardReadContinue'), () => act(startSession), { class: 'primary', id: 'start-with-card', disabled: !usable }),
    button(t('withoutCard'), () => act(startSession), { id: 'start-without-card' })));
};

async function startSession() {
  const view = await api('POST', '/v1/sessions', { formId: state.formId });
  state.sessionId = view.sessionId;
  sessionStorage.setItem('kiosk.sessionId', view.sessionId);
  showSession(view);
}

/**
 * Shows the session's view: its step, review, materials, declaration or the submitted filing.
 * @param {any} view  the session's view as the server answered it
 * @param {any} [validation]  the errors to show on the step
 */
export function showSession(view, validation = null) {
  state.session = view;
  state.validation = validation;
  if (view.position === 'step') state.drafts = {};
  show('session', { validation });
}

// ---- a guided step ------------------------------------------------------------------------
screens.session = (root) => {
  const view = state.session;
  if (!view) return screens.home(root);
  if (view.position === 'step') return drawStep(root, view);
  if (view.position === 'review') return drawReview(root);
  if (view.position === 'declaration') return state.materialsConfirmed ? drawDeclaration(root, view) : drawMaterials(root);
  return drawDone(root);
};

function errorsByField(validation) {
  const errors = {};
  for (const error of (validation && validation.errors) || []) {
    const field = error.fieldPath.split(/[.[]/)[0];
    (errors[field] = errors[field] || []).push(error);
  }
  return errors;
}

function drawStep(root, view) {
  const screen = view.screen;
  add(root, heading(lt(screen.title)));
  if (screen.help) add(root, h('p', { class: 'help' }, lt(screen.help)));
  const errors = errorsByField(state.validation);
  if (state.validation && state.validation.errors.length) {
    add(root, h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'error-summary' },
      // The server's sentence, the one reading aloud speaks: one text for the eye and the ear.
      h('h2', {}, lt(state.validation.summary)),
      h('ul', {}, state.validation.errors.map((error) => {
        const field = error.fieldPath.split(/[.[]/)[0];
        // `children[0].childName` is the input `field-children-0-childName`.
        const anchor = 'field-' + error.fieldPath.replace(/\[(\d+)\]\./g, '-$1-');
        const item = error.fieldPath.match(/\[(\d+)\]/);
        return h('li', {}, h('a', { href: '#' + anchor, onclick: (event) => {
          event.preventDefault();
          const target = document.getElementById(anchor) || document.getElementById('field-' + field) || document.querySelector(`[name="${field}"]`);
          if (target) target.focus();
        } }, `${fieldLabel(screen, field)}${item ? ' ' + (Number(item[1]) + 1) : ''}: ${lt(error.message)}`));
      }))));
  }
  add(root, problemBox(state.problem));
  const form = h('form', { novalidate: true, onsubmit: (event) => { event.preventDefault(); act(nextStep); } });
  for (const field of screen.fields) add(form, drawField(field, errors[field.id] || []));
  add(form, h('div', { class: 'actions' },
    button(t('back'), () => act(previousStep)),
    h('button', { type: 'submit', class: 'primary', id: 'next-button' }, t('next')),
    button(t('cancel'), () => goHome(), { class: 'danger' })));
  add(root, form);
}

function fieldLabel(screen, id) {
  const field = screen.fields.find((f) => f.id === id);
  return field ? lt(field.label) : id;
}

function currentValue(field) {
  return Object.prototype.hasOwnProperty.call(state.drafts, field.id) ? state.drafts[field.id] : field.value;
}

function drawField(field, errors) {
  const wrapper = drawFieldControls(field, errors);
  if (state.speech && !field.calculated && field.type !== 'repeatGroup') {
    add(wrapper, button(t('readMyAnswer'), () => act(() => readAnswer(field)), { class: 'small read-answer', 'data-read': field.id }));
  }
  return wrapper;
}

function drawFieldControls(field, errors) {
  const id = 'field-' + field.id;
  const describedBy = [];
  const wrapper = h('div', { class: 'field' + (errors.length ? ' invalid' : ''), 'data-field': field.id });
  const help = field.help ? h('p', { class: 'help', id: id + '-help' }, lt(field.help)) : null;
  if (help) describedBy.push(id + '-help');
  const errorLines = errors.map((error, index) => h('p', { class: 'field-error', id: `${id}-error-${index}` }, lt(error.message)));
  errors.forEach((_, index) => describedBy.push(`${id}-error-${index}`));
  const label = lt(field.label) + (field.required ? '' : ' ' + t('optional'));
  const value = currentValue(field);
  const set = (v) => { state.drafts[field.id] = v; };
  const common = { 'aria-describedby': describedBy.join(' ') || undefined, 'aria-invalid': errors.length ? 'true' : undefined };

  if (field.calculated) {
    const shown = typeof value === 'boolean' ? (value ? t('yes') : t('no')) : value ?? '';
    add(wrapper, h('p', {}, h('strong', {}, lt(field.label)), ' ', String(shown), ' ', h('span', { class: 'muted' }, t('calculatedNote'))));
    return wrapper;
  }
  // What the ID card says cannot be changed here: staff correct it if it is wrong.
  if (field.readOnly) {
    const input = h('input', { id, name: field.id, readonly: true, 'aria-readonly': 'true', 'aria-describedby': id + '-card', class: 'read-only' });
    input.value = value === null || value === undefined ? '' : String(value);
    add(wrapper, h('label', { for: id }, lt(field.label)), input, h('p', { class: 'help', id: id + '-card' }, t('readOnlyNote')));
    return wrapper;
  }
  const choiceGroup = (options, type) => h('fieldset', common,
    h('legend', {}, label), help, errorLines,
    h('div', { class: 'choices' }, options.map((option, index) => {
      const checked = type === 'checkbox' ? Array.isArray(value) && value.includes(option.value) : value === option.value;
      return h('label', { class: 'choice' }, h('input', {
        type, name: field.id, id: index === 0 ? id : undefined, value: String(option.value), checked,
        onchange: (event) => {
          if (type === 'checkbox') {
            const chosen = new Set(Array.isArray(currentValue(field)) ? currentValue(field) : []);
            if (event.target.checked) chosen.add(option.value); else chosen.delete(option.value);
            set([...chosen]);
          } else set(option.value);
          if (dependents(field.id)) act(() => refreshChoices(field, option.value));
        },
      }), option.label);
    })));

  switch (field.type) {
    case 'singleChoice':
      add(wrapper, choiceGroup(field.choices.map((c) => ({ value: c.value, label: lt(c.label) })), 'radio'));
      break;
    case 'multipleChoice':
      add(wrapper, choiceGroup(field.choices.map((c) => ({ value: c.value, label: lt(c.label) })), 'checkbox'));
      break;
    case 'yesNo':
      add(wrapper, choiceGroup([{ value: true, label: t('yes') }, { value: false, label: t('no') }], 'radio'));
      break;
    case 'declaration':
      add(wrapper, h('label', { class: 'choice' }, h('input', Object.assign({ type: 'checkbox', id, checked: value === true,
        onchange: (event) => set(event.target.checked) }, common)), label), errorLines);
      break;
    case 'address': {
      const address = value && typeof value === 'object' ? value : {};
      const part = (key, text) => h('div', {}, h('label', { for: `${id}-${key}` }, text),
        h('input', Object.assign({ id: key === 'region' ? id : `${id}-${key}`, name: `${field.id}.${key}`, value: address[key] || '',
          oninput: (event) => { const next = Object.assign({}, currentValue(field) || {}); next[key] = event.target.value; set(next); } }, common)));
      add(wrapper, h('fieldset', {}, h('legend', {}, label), help, errorLines, part('region', t('region')), part('detail', t('detail'))));
      break;
    }
    case 'repeatGroup':
      add(wrapper, drawRepeatGroup(field, id, label, help, errors, common));
      break;
    default: {
      const types = { date: 'date', email: 'email', mobile: 'tel' };
      const modes = { number: 'decimal', money: 'decimal', mobile: 'tel', idNumber: 'text' };
      const input = h(field.type === 'longText' ? 'textarea' : 'input', Object.assign({
        id, name: field.id, type: field.type === 'longText' ? undefined : types[field.type] || 'text',
        inputmode: modes[field.type], autocomplete: 'off', required: field.required,
        oninput: (event) => set(event.target.value),
      }, common));
      input.value = value === null || value === undefined ? '' : String(value);
      add(wrapper, h('label', { for: id }, label), help, errorLines, input);
    }
  }
  return wrapper;
}

// Whether another field's choices are filtered by this one's answer (a district's subdistricts).
function dependents(fieldId) {
  return state.session.screen.fields.some((f) => (f.choicesDependOn || []).includes(fieldId));
}

// Sends the answer the choices depend on at once and draws the step again with the choices
// it leaves; the other answers of the step stay as typed.
async function refreshChoices(field, chosen) {
  state.session = await api('PUT', `/v1/sessions/${state.sessionId}/answers/${encodeURIComponent(field.id)}`, { value: currentValue(field) });
  delete state.drafts[field.id];
  render(false);
  const [again] = inputs(`input[name="${field.id}"][value="${String(chosen)}"]`);
  if (again) again.focus();
}

// A repeat group (children, shareholders, ...): one box of inputs per item, add and remove.
function drawRepeatGroup(field, id, label, help, errors, common) {
  const items = Array.isArray(currentValue(field)) ? currentValue(field).map((item) => Object.assign({}, item)) : [];
  const save = (next) => { state.drafts[field.id] = next; };
  const errorText = (path) => errors.filter((e) => e.fieldPath === path).map((e) => h('p', { class: 'field-error' }, lt(e.message)));
  const group = h('fieldset', Object.assign({ id }, common), h('legend', {}, label), help, errorText(field.id));
  items.forEach((item, index) => {
    const box = h('div', { class: 'repeat-item', 'data-item': String(index) }, h('h3', {}, `${label} ${index + 1}`));
    for (const sub of field.itemFields || []) {
      const subId = `${id}-${index}-${sub.id}`;
      const subLabel = lt(sub.label) + (sub.required ? '' : ' ' + t('optional'));
      const change = (v) => { const next = items.map((x) => Object.assign({}, x)); next[index][sub.id] = v; items[index][sub.id] = v; save(next); };
      const current = item[sub.id];
      const subErrors = errorText(`${field.id}[${index}].${sub.id}`);
      if (sub.type === 'yesNo' || sub.type === 'singleChoice') {
        const options = sub.type === 'yesNo' ? [{ value: true, label: t('yes') }, { value: false, label: t('no') }]
          : sub.choices.map((c) => ({ value: c.value, label: lt(c.label) }));
        add(box, h('fieldset', { class: 'field' + (subErrors.length ? ' invalid' : '') }, h('legend', {}, subLabel), subErrors, h('div', { class: 'choices' }, options.map((option, n) =>
          h('label', { class: 'choice' }, h('input', { type: 'radio', name: subId, id: n === 0 ? subId : undefined, checked: current === option.value,
            onchange: () => change(option.value) }), option.label)))));
      } else {
        const types = { date: 'date', email: 'email', mobile: 'tel' };
        const input = h('input', { id: subId, name: subId, type: types[sub.type] || 'text', autocomplete: 'off',
          inputmode: ['number', 'money'].includes(sub.type) ? 'decimal' : undefined, oninput: (event) => change(event.target.value) });
        input.value = current === undefined || current === null ? '' : String(current);
        if (subErrors.length) input.setAttribute('aria-invalid', 'true');
        add(box, h('div', { class: 'field' + (subErrors.length ? ' invalid' : '') }, h('label', { for: subId }, subLabel), subErrors, input));
      }
    }
    if (items.length > (field.minItems || 0)) {
      add(box, button(t('removeItem', index + 1), () => { save(items.filter((_, i) => i !== index)); render(false); }, { class: 'danger remove-item' }));
    }
    add(group, box);
  });
  if (!field.maxItems || items.length < field.maxItems) {
    add(group, button(t('addItem', label), () => {
      save([...items, {}]);
      render(false);
      const first = document.getElementById(`${id}-${items.length}-${((field.itemFields || [])[0] || {}).id}`);
      if (first) first.focus();
    }, { class: 'add-item', id: `${id}-add` }));
  }
  return group;
}

// Sends the answers changed on this step, then asks to go on: the server checks them all and
// answers with every error at once (422) or the next screen.
async function nextStep() {
  const view = state.session;
  for (const field of view.screen.fields) {
    if (field.calculated || field.readOnly || !Object.prototype.hasOwnProperty.call(state.drafts, field.id)) continue;
    const value = state.drafts[field.id];
    if (JSON.stringify(value) === JSON.stringify(field.value)) continue;
    await api('PUT', `/v1/sessions/${view.sessionId}/answers/${encodeURIComponent(field.id)}`, { value });
  }
  try {
    showSession(await api('POST', `/v1/sessions/${view.sessionId}/next`));
  } catch (error) {
    if (error instanceof Problem && error.code === 'validationFailed' && error.body.validation) {
      state.session = await api('GET', `/v1/sessions/${view.sessionId}`);
      state.validation = error.body.validation;
      render(true);
      announce(lt(error.body.validation.summary));
      return;
    }
    throw error;
  }
}

async function previousStep() {
  try {
    showSession(await api('POST', `/v1/sessions/${state.sessionId}/back`));
  } catch (error) {
    if (error instanceof Problem && error.code === 'noPreviousStep') return goHome();
    throw error;
  }
}

// ---- review -------------------------------------------------------------------------------
function drawReview(root) {
  add(root, heading(t('reviewTitle')), h('p', { class: 'help' }, t('reviewHelp')), problemBox(state.problem));
  if (!state.review) {
    act(async () => { state.review = await api('GET', `/v1/sessions/${state.sessionId}/review`); render(false); });
    return;
  }
  for (const section of state.review) {
    add(root, h('section', { class: 'review-section', 'data-step': section.stepId },
      h('div', { class: 'review-head' }, h('h2', {}, lt(section.title)),
        button(t('change'), () => act(async () => {
          state.review = null;
          showSession(await api('POST', `/v1/sessions/${state.sessionId}/jump`, { stepId: section.stepId }));
        }), { 'aria-label': t('changeSection', lt(section.title)), class: 'change-link' })),
      h('dl', {}, section.entries.map((entry) => [h('dt', {}, lt(entry.label)), h('dd', {}, lt(entry.display))]))));
  }
  add(root, h('div', { class: 'actions' },
    button(t('back'), () => act(async () => { state.review = null; await previousStep(); })),
    button(t('confirmReview'), () => act(confirmReview), { class: 'primary', id: 'confirm-review' }),
    button(t('cancel'), () => goHome(), { class: 'danger' })));
}

async function confirmReview() {
  try {
    state.review = null;
    showSession(await api('POST', `/v1/sessions/${state.sessionId}/review/confirm`));
  } catch (error) {
    if (error instanceof Problem && error.code === 'validationFailed') {
      const view = await api('GET', `/v1/sessions/${state.sessionId}`);
      showSession(view, error.body.validation);
      return;
    }
    throw error;
  }
}

// ---- materials: told at once, 容缺 and 承诺 -------------------------------------------------
function rememberMaterials(notice) {
  for (const material of notice.missing) state.materialInfo[material.materialID] = material;
  state.notice = notice;
}

function drawMaterials(root) {
  add(root, heading(t('materialsTitle')), h('p', {}, t('materialsIntro')), problemBox(state.problem));
  if (!state.notice) {
    act(async () => { rememberMaterials(await api('GET', `/v1/sessions/${state.sessionId}/materials`)); render(false); readAloud(); });
    return;
  }
  const notice = state.notice;
  const missing = new Set(notice.missing.map((m) => m.materialID));
  for (const id of notice.applicable) {
    const info = state.materialInfo[id] || { name: { 'zh-CN': id, en: id } };
    const status = notice.deferred.includes(id) ? 'deferred' : notice.committed.includes(id) ? 'committed' : missing.has(id) ? 'missing' : 'provided';
    const shown = state.pendingCommitment === id ? 'committed' : status;
    const options = [{ value: 'provided', label: t('haveIt') }, { value: 'missing', label: t('dontHave') }];
    if (info.deferral) options.push({ value: 'deferred', label: t('defer', info.deferral.dueDate) });
    if (info.commitment) options.push({ value: 'committed', label: t('commit') });
    const details = [];
    if (info.presentation) details.push(`${t('presentation')[info.presentation]}${info.copies > 1 ? ' ×' + info.copies : ''} · ${t('format')[info.format]}`);
    if (info.reason && lt(info.reason)) details.push(lt(info.reason));
    if (info.issuer) details.push(t('issuer', lt(info.issuer)));
    add(root, h('section', { class: 'material', 'data-material': id },
      h('h3', { id: `material-${id}` }, lt(info.name)),
      details.map((line) => h('p', { class: 'muted' }, line)),
      // What 容缺 and 告知承诺 mean for this material, in full, before anything is chosen.
      info.deferral ? h('div', { class: 'terms', id: `deferral-${id}` },
        h('p', {}, h('strong', {}, t('deferralTerms')), ' ', t('deferDue', info.deferral.dueDate, lt(info.deferral.dueText))),
        h('p', {}, t('consequence', lt(info.deferral.consequence)))) : null,
      info.commitment ? h('div', { class: 'terms', id: `commitment-${id}` },
        h('p', {}, h('strong', {}, t('commitmentStatement')), ' ', lt(info.commitment.statement)),
        h('p', {}, h('strong', {}, t('commitmentVerification')), ' ', lt(info.commitment.verification))) : null,
      h('fieldset', { 'aria-labelledby': `material-${id}` }, h('div', { class: 'choices' }, options.map((option) =>
        h('label', { class: 'choice' }, h('input', {
          type: 'radio', name: `material-${id}`, value: option.value, checked: shown === option.value,
          onchange: () => act(async () => {
            // Choosing a commitment is not accepting it: the citizen accepts below, explicitly.
            if (option.value === 'committed') {
              state.pendingCommitment = id;
              render(false);
              const accept = document.getElementById(`accept-commitment-${id}`);
              if (accept) accept.focus();
              return;
            }
            state.pendingCommitment = null;
            rememberMaterials(await api('POST', `/v1/sessions/${state.sessionId}/materials/${encodeURIComponent(id)}`, { status: option.value }));
            render(false);
            const [again] = inputs(`input[name="material-${id}"][value="${option.value}"]`);
            if (again) again.focus();
          }),
        }), option.label)))),
      state.pendingCommitment === id ? h('div', { class: 'actions' },
        button(t('acceptCommitment'), () => act(async () => {
          rememberMaterials(await api('POST', `/v1/sessions/${state.sessionId}/materials/${encodeURIComponent(id)}`,
            { status: 'committed', textVersion: info.commitment.textVersion }));
          state.pendingCommitment = null;
          render(false);
          announce(t('commitmentAccepted', lt(info.name)));
        }), { class: 'primary', id: `accept-commitment-${id}`, 'aria-describedby': `commitment-${id}` }),
        button(t('notNow'), () => { state.pendingCommitment = null; render(false); })) : null,
      status === 'committed' ? h('p', { class: 'notice-ok', id: `committed-${id}` }, t('commitmentAccepted', lt(info.name))) : null));
  }
  if (notice.missing.length) {
    add(root, h('div', { class: 'problem', id: 'materials-missing' }, h('p', {}, t('stillMissing')),
      h('ul', {}, notice.missing.map((m) => h('li', {}, lt(m.name)))),
      button(t('printNotice'), () => act(async () => {
        const printed = await api('POST', `/v1/sessions/${state.sessionId}/materials/notice`);
        state.noticeReceipt = printed.receipt;
        render(false);
      }), { id: 'print-notice' }),
      state.noticeReceipt ? h('p', { role: 'status' }, state.noticeReceipt.state === 'printed'
        ? t('noticePrinted') : t('noticeNotPrinted', t('printReasons')[state.noticeReceipt.reason || state.noticeReceipt.state]
          || state.noticeReceipt.reason || state.noticeReceipt.state)) : null));
  } else {
    add(root, h('div', { class: 'notice-ok', role: 'status', id: 'materials-ready' }, t('allMaterialsReady')));
  }
  add(root, h('div', { class: 'actions' },
    button(t('cancel'), () => goHome(), { class: 'danger' }),
    button(t('materialsContinue'), () => { state.materialsConfirmed = true; render(true); },
      { class: 'primary', id: 'materials-continue', disabled: notice.missing.length > 0 })));
}

// ---- declaration and submission -----------------------------------------------------------
function drawDeclaration(root, view) {
  add(root, heading(t('declarationTitle')), problemBox(state.problem),
    h('p', { class: 'declaration', id: 'declaration-text' }, lt(view.declaration)),
    h('label', { class: 'choice' }, h('input', { type: 'checkbox', id: 'accept-declaration', 'aria-describedby': 'declaration-text' }), t('acceptDeclaration')),
    h('div', { class: 'actions' },
      button(t('back'), () => { state.materialsConfirmed = false; render(true); }),
      button(t('submit'), () => act(submit), { class: 'primary', id: 'submit-button' })));
}

async function submit() {
  const accepted = /** @type {HTMLInputElement} */ (byId('accept-declaration')).checked;
  const filing = await api('POST', `/v1/sessions/${state.sessionId}/submit`, { acceptDeclaration: accepted });
  state.filing = filing;
  state.session = Object.assign({}, state.session, { position: 'submitted' });
  stopWarning();
  show('session');
}

function drawDone(root) {
  const filing = state.filing;
  if (!filing) return screens.home(root);
  add(root, heading(t('submittedTitle')), problemBox(state.problem),
    h('p', {}, lt(filing.title), ' · ', lt(filing.department)),
    h('p', {}, t('reference')), h('p', { class: 'big-code', id: 'reference' }, filing.reference),
    h('p', {}, t('timeLimit', filing.timeLimitDays)),
    printResult(filing.receipt, 'receiptPrinted', 'receiptNotPrinted', filing.progressCode || filing.reference, filing.reference));
  const papers = (filing.receipt && filing.receipt.papers) || [];
  if (papers.length > 1) add(root, h('p', { id: 'papers-printed' }, t('papersPrinted', papers.map((paper) => t('paperNames')[paper] || paper).join(t('listSeparator')))));
  for (const deferred of filing.deferred) {
    add(root, h('p', {}, t('deferredDue', lt(deferred.name), deferred.dueDate)), h('p', { class: 'muted' }, t('consequence', lt(deferred.consequence))));
  }
  for (const commitment of filing.commitments) add(root, h('p', {}, t('committedNote', lt(commitment.name))));
  // A new enterprise is offered the policies it may use: the session ends first (its answers
  // are wiped), and the profile screen starts from the legal form of what was filed.
  const enterprise = { 'company-opening': 'limitedCompany', 'individual-business': 'individualBusiness' }[filing.formID];
  add(root, h('div', { class: 'actions' },
    enterprise ? button(t('policiesTitle'), () => act(async () => {
      await goHome();
      // Founded today, as far as the screen knows (the server checks it against the hall's day).
      show('policies', { policyProfile: { tags: [], legalForm: enterprise, foundedOn: new Date().toISOString().slice(0, 10) }, policyMatches: null });
    }), { id: 'offer-policies' }) : null,
    button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' })));
}
