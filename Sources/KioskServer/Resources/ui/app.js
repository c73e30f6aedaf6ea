'use strict';
// The terminal's reference touch UI: the citizen's filing and booking flows. Plain DOM, no
// framework, no build step. Each screen is a function that draws `state` into <main>; every
// change of screen moves the focus to its heading so keyboard and screen-reader users follow.
(function () {
  const TEXT = window.KioskText;
  const main = document.getElementById('main');
  const announcer = document.getElementById('announcer');
  // A terminal offers no browser menu: a long press on the touch screen would open one.
  document.addEventListener('contextmenu', (event) => event.preventDefault());

  const state = {
    lang: 'zh-CN', textSize: 0, contrast: false, speech: false, speechRate: 0, screen: 'home',
    info: null, forms: [], services: null, card: null, cardPresent: false, cardFault: null, paper: null,
    printers: null,
    sessionId: null, session: null, validation: null, problem: null, drafts: {},
    review: null, notice: null, materialInfo: {}, materialsConfirmed: false, noticeReceipt: null, pendingCommitment: null,
    filing: null, formId: null,
    booking: {}, staff: null,
  };

  // ---- text ---------------------------------------------------------------------------------
  function t(key, ...args) {
    let value = TEXT[state.lang][key];
    if (value === undefined) value = TEXT['zh-CN'][key] ?? key;
    if (typeof value !== 'string') return value;
    return value.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
  }
  function lt(text) {
    if (!text) return '';
    return text[state.lang] ?? text['zh-CN'] ?? text.en ?? '';
  }
  function announce(message) {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = message; }, 50);
  }

  // ---- DOM ----------------------------------------------------------------------------------
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
      else if (key === 'class') element.className = value;
      else if (key === 'text') element.textContent = value;
      else if (value === true) element.setAttribute(key, '');
      else element.setAttribute(key, value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }
  // Appends children as h() does: arrays flattened, null and false left out.
  function add(parent, ...children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return parent;
  }
  function button(label, onclick, attributes = {}) {
    return h('button', Object.assign({ type: 'button', onclick }, attributes), label);
  }
  function heading(text) { return h('h1', { tabindex: '-1', id: 'screen-title' }, text); }
  function problemBox(problem) {
    if (!problem) return null;
    return h('div', { class: 'problem', role: 'alert', id: 'problem' }, problem);
  }

  // ---- HTTP ---------------------------------------------------------------------------------
  class Problem extends Error {
    constructor(status, body) {
      super((body && body.detail) || 'HTTP ' + status);
      this.status = status;
      this.body = body || {};
      this.code = this.body.code;
    }
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'k' + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  async function api(method, path, body, options = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.idempotent) headers['Idempotency-Key'] = newKey();
    if (options.staff && state.staff) headers.Authorization = 'Bearer ' + state.staff.token;
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = response.headers.get('content-type') || '';
    let data = null;
    if (response.status !== 204) data = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) throw new Problem(response.status, typeof data === 'object' ? data : null);
    return data;
  }
  function problemText(error) {
    if (error instanceof Problem && error.body.messages) return lt(error.body.messages);
    console.error(error);
    return t('unexpected');
  }

  // ---- screens ------------------------------------------------------------------------------
  const screens = {};
  function show(screen, changes = {}) {
    Object.assign(state, { problem: null }, changes);
    state.screen = screen;
    render(true);
  }
  function render(moveFocus) {
    const draw = screens[state.screen] || screens.home;
    main.replaceChildren();
    draw(main);
    drawChrome();
    if (moveFocus) {
      const target = document.getElementById('error-summary') || document.getElementById('screen-title');
      if (target) target.focus();
      window.scrollTo(0, 0);
      readAloud();
    }
  }
  async function act(work) {
    try {
      await work();
    } catch (error) {
      state.problem = problemText(error);
      render(false);
      const box = document.getElementById('problem');
      if (box) box.setAttribute('tabindex', '-1'), box.focus();
    }
  }

  // ---- the chrome: switches, footer, warning --------------------------------------------------
  function drawChrome() {
    document.documentElement.lang = state.lang;
    document.documentElement.classList.toggle('text-large', state.textSize === 1);
    document.documentElement.classList.toggle('text-larger', state.textSize === 2);
    document.documentElement.classList.toggle('contrast', state.contrast);
    for (const element of document.querySelectorAll('[data-t]')) element.textContent = t(element.dataset.t);
    const language = document.getElementById('language-button');
    language.textContent = t('languageSwitch');
    language.setAttribute('lang', state.lang === 'zh-CN' ? 'en' : 'zh-CN');
    const size = document.getElementById('text-size-button');
    size.textContent = [t('textSize'), t('textSizeLarger'), t('textSizeNormal')][state.textSize];
    size.setAttribute('aria-pressed', String(state.textSize > 0));
    const contrast = document.getElementById('contrast-button');
    contrast.textContent = t('contrast');
    contrast.setAttribute('aria-pressed', String(state.contrast));
    const speech = document.getElementById('speech-button');
    speech.textContent = t('readAloud');
    speech.setAttribute('aria-pressed', String(state.speech));
    const rate = document.getElementById('speech-rate-button');
    rate.hidden = !state.speech;
    rate.textContent = t('speechRates')[state.speechRate];
    document.getElementById('terminal-name').textContent = state.info ? state.info.siteName || '' : '';
    const printer = document.getElementById('printer-state');
    const unavailable = printingUnavailable();
    printer.textContent = unavailable ? t('printingUnavailable') : state.paper === 'nearEnd' ? t('printerNearEnd') : '';
    printer.classList.toggle('warn', unavailable);
    document.getElementById('card-state').textContent = state.cardPresent ? t('cardOnReader') : '';
    const banner = document.getElementById('staff-banner');
    banner.hidden = !state.assistedBy;
    banner.textContent = state.assistedBy ? t('assisting', state.assistedBy) : '';
    if (warning.secondsLeft !== null) drawWarning();
  }

  document.getElementById('language-button').addEventListener('click', () => {
    state.lang = state.lang === 'zh-CN' ? 'en' : 'zh-CN';
    render(false);
    announce(t('languageSwitch') === 'English' ? '已切换为中文' : 'Switched to English');
  });
  document.getElementById('text-size-button').addEventListener('click', () => { state.textSize = (state.textSize + 1) % 3; drawChrome(); });
  document.getElementById('contrast-button').addEventListener('click', () => { state.contrast = !state.contrast; drawChrome(); });
  document.getElementById('home-button').addEventListener('click', () => goHome());

  // ---- reading aloud ------------------------------------------------------------------------
  // The server speaks what a filing's screen shows (its own texts from the form, never an
  // answer); the page names the part of the screen, the voice and the rate, and plays the WAV.
  const SPEECH_RATES = [160, 120, 90];
  function speechPart() {
    const view = state.session;
    if (state.screen !== 'session' || !view || !state.sessionId) return null;
    if (view.position === 'step') return state.validation && state.validation.errors.length ? 'errors' : 'step';
    if (view.position === 'declaration' && !state.materialsConfirmed && state.notice && state.notice.missing.length) return 'materials';
    return null;
  }
  function readAloud() {
    const part = speechPart();
    if (!state.speech || !part) { document.getElementById('speech-audio').pause(); return; }
    play(part);
  }
  function play(part, extra = '') {
    const audio = document.getElementById('speech-audio');
    const voice = state.lang === 'zh-CN' ? 'cmn' : 'en';
    audio.dataset.part = part;
    delete audio.dataset.duration;
    audio.src = `/v1/sessions/${state.sessionId}/speech?part=${part}&voice=${voice}&rate=${SPEECH_RATES[state.speechRate]}${extra}`;
    audio.play().catch(() => {});
  }
  // One answer read aloud, only when the citizen asks: what is typed on the page is saved first,
  // so what is spoken is what the review page will show (an ID number masked, as on receipts).
  async function readAnswer(field) {
    if (!field.readOnly && Object.prototype.hasOwnProperty.call(state.drafts, field.id)
        && JSON.stringify(state.drafts[field.id]) !== JSON.stringify(field.value)) {
      await api('PUT', `/v1/sessions/${state.sessionId}/answers/${encodeURIComponent(field.id)}`, { value: state.drafts[field.id] });
    }
    play('value', `&field=${encodeURIComponent(field.id)}`);
  }
  document.getElementById('speech-audio').addEventListener('loadedmetadata', (event) => {
    event.target.dataset.duration = String(event.target.duration);
  });
  function toggleSpeech() {
    state.speech = !state.speech;
    drawChrome();
    if (state.screen === 'session') render(false);  // the fields' "read my answer" buttons
    readAloud();
  }
  document.getElementById('speech-button').addEventListener('click', toggleSpeech);
  document.getElementById('speech-rate-button').addEventListener('click', () => {
    state.speechRate = (state.speechRate + 1) % SPEECH_RATES.length;
    drawChrome();
    readAloud();
  });
  // F2 on the terminal's keyboard switches reading aloud, wherever the focus is.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'F2') { event.preventDefault(); toggleSpeech(); }
  });

  // The inactivity warning: announced (role=alert) and answered with one button.
  const warning = { secondsLeft: null, timer: null };
  function drawWarning() {
    const box = document.getElementById('timeout-warning');
    box.hidden = warning.secondsLeft === null;
    document.getElementById('timeout-text').textContent = t('timeoutWarning', Math.max(warning.secondsLeft || 0, 0));
    document.getElementById('keep-alive-button').textContent = t('continue');
  }
  function startWarning(secondsLeft) {
    clearInterval(warning.timer);
    warning.secondsLeft = secondsLeft;
    drawWarning();
    document.getElementById('keep-alive-button').focus();
    warning.timer = setInterval(() => {
      warning.secondsLeft -= 1;
      document.getElementById('timeout-text').textContent = t('timeoutWarning', Math.max(warning.secondsLeft, 0));
      if (warning.secondsLeft <= 0) clearInterval(warning.timer);
    }, 1000);
  }
  function stopWarning() {
    clearInterval(warning.timer);
    warning.secondsLeft = null;
    drawWarning();
  }
  document.getElementById('keep-alive-button').addEventListener('click', () => act(async () => {
    if (!state.sessionId) return stopWarning();
    await api('POST', `/v1/sessions/${state.sessionId}/keep-alive`);
    stopWarning();
    announce(t('extended'));
    const title = document.getElementById('screen-title');
    if (title) title.focus();
  }));

  // ---- the event stream ---------------------------------------------------------------------
  const listeners = [];
  function connectEvents() {
    const events = new EventSource('/v1/events');
    const on = (type, handler) => events.addEventListener(type, (message) => {
      const event = JSON.parse(message.data);
      handler(event);
      for (const listener of listeners) listener(event);
    });
    on('cardPresented', (event) => {
      state.card = event.card;
      state.cardPresent = true;
      state.cardFault = null;
      announce(t('cardRead', cardName(event.card)));
      if (['card', 'book-confirm', 'checkin', 'lookup', 'progress'].includes(state.screen)) render(false); else drawChrome();
      // A slip scanned before the card: the card completes its check-in.
      if (state.screen === 'checkin' && state.scannedSlip) act(() => checkIn({ scannedSlip: state.scannedSlip, useCard: true }));
    });
    on('cardRemoved', () => {
      state.card = null;
      state.cardPresent = false;
      announce(t('cardRemoved'));
      if (['card', 'book-confirm', 'checkin', 'lookup', 'progress'].includes(state.screen)) render(false); else drawChrome();
    });
    on('cardReadFailed', (event) => {
      state.cardFault = event.fault;
      announce(t('cardReadFailed', lt(event.fault.message)));
      if (state.screen === 'card') render(false);
    });
    // A code scanner read a code. Outside a filing: a receipt opens its progress, a booking slip
    // the check-in (which the card completes: the slip alone checks nobody in); anything else
    // is not a code of this hall. In the middle of a filing it is only said, nothing is left.
    on('scan', (event) => {
      const scan = event.scan;
      if (!scan) return;
      // Not while staff work at the screen (a technician trying the scanner stays on the page).
      const free = !state.sessionId && !state.staff;
      if (scan.kind === 'progressCode') {
        announce(t('scannedProgress', scan.code.split(':')[1]));
        if (free) act(() => lookUpProgress({ code: scan.code }, null));
      } else if (scan.kind === 'bookingCode') {
        announce(t('scannedSlip'));
        if (free) scannedSlip(scan.slip);
      } else {
        announce(t('scannedNotOurs'));
        if (free) { state.problem = t('scannedNotOurs'); render(false); }
      }
    });
    on('deviceStatus', (event) => {
      if (state.printers && state.printers[event.deviceId] && event.status) state.printers[event.deviceId].paper = event.status.paper;
      if (event.status && event.status.paper) { state.paper = event.status.paper; drawChrome(); }
    });
    on('deviceState', (event) => {
      if (!state.printers || !state.printers[event.deviceId]) return;
      state.printers[event.deviceId].state = event.state;
      drawChrome();
    });
    on('sessionTimeoutWarning', (event) => {
      if (event.sessionId === state.sessionId) startWarning(event.secondsLeft);
    });
    on('sessionEnded', (event) => {
      if (event.sessionId !== state.sessionId) return;
      stopWarning();
      state.sessionId = null;
      sessionStorage.removeItem('kiosk.sessionId');
      resetCitizen();
      state.cardPresent = false;   // forgotten with the session, as in goHome
      show('home', { problem: t('sessionEnded') });
      announce(t('sessionEnded'));
    });
    for (const type of ['ticketIssued', 'ticketCalled', 'ticketRecalled', 'ticketNoShow', 'ticketFinished', 'ticketTransferred',
      'helpRequested', 'helpTaken', 'helpHandedOver', 'helpClosed', 'helpTimedOut']) on(type, () => {});
  }

  function cardName(card) {
    const types = t('cardTypes');
    return `${types[card.cardType] || types.unknown} ${card.maskedNumber}`;
  }

  // ---- home -----------------------------------------------------------------------------------
  // The server forgets the card's data when a session ends; the next citizen places theirs.
  function resetCitizen() {
    Object.assign(state, {
      card: null, cardFault: null,
      session: null, validation: null, drafts: {}, review: null, notice: null, materialInfo: {}, pendingCommitment: null,
      materialsConfirmed: false, noticeReceipt: null, filing: null, formId: null, booking: {}, assistedBy: null, progress: null,
      policyProfile: { tags: [] }, policyMatches: null, policyPrinted: null, scannedSlip: null,
    });
  }
  async function goHome() {
    stopWarning();
    const id = state.sessionId || sessionStorage.getItem('kiosk.sessionId');
    sessionStorage.removeItem('kiosk.sessionId');
    if (id) {
      state.sessionId = null;
      // Ending the session makes the server forget the card: it is to be placed again.
      state.cardPresent = false;
      try { await api('DELETE', `/v1/sessions/${id}`); } catch (error) { /* already ended */ }
    }
    resetCitizen();
    show('home');
  }

  screens.home = (root) => {
    add(root, heading(t('welcome')), problemBox(state.problem));
    const groups = new Map();
    for (const form of state.forms) {
      const theme = lt(form.department);
      if (!groups.has(theme)) groups.set(theme, []);
      groups.get(theme).push(form);
    }
    add(root, h('h2', {}, t('filings')));
    for (const [theme, forms] of groups) {
      add(root, h('h3', {}, theme), h('div', { class: 'tiles' }, forms.map((form) =>
        button([lt(form.title), h('span', { class: 'sub' }, t('timeLimit', form.timeLimitDays))],
          () => show('card', { formId: form.id }), { class: 'tile', 'data-form': form.id }))));
    }
    add(root, h('div', { class: 'tiles' }, button([t('progressTile'), h('span', { class: 'sub' }, t('progressSub'))],
      () => show('progress', { progress: {} }), { class: 'tile', id: 'tile-progress' })));
    if (state.services && state.services.length) {
      add(root, h('h2', {}, t('appointments')), h('div', { class: 'tiles' },
        button([t('booking'), h('span', { class: 'sub' }, t('bookingSub'))], () => show('book-service', { booking: { mode: 'book' } }), { class: 'tile', id: 'tile-booking' }),
        button([t('checkIn'), h('span', { class: 'sub' }, t('checkInSub'))], () => show('checkin'), { class: 'tile', id: 'tile-checkin' }),
        button([t('lookup'), h('span', { class: 'sub' }, t('lookupSub'))], () => show('lookup', { booking: {} }), { class: 'tile', id: 'tile-lookup' })));
    }
    add(root, h('h2', {}, t('forEnterprises')), h('div', { class: 'tiles' },
      button([t('policiesTitle'), h('span', { class: 'sub' }, t('policiesSub'))],
        () => show('policies', { policyProfile: { tags: [] }, policyMatches: null }), { class: 'tile', id: 'tile-policies' })));
  };

  // ---- policies for my enterprise (惠企政策明白纸) -----------------------------------------------
  // The enterprise's profile (never a person's) is matched by the server against the hall's
  // policies; each match says why, and its fact sheet is printed on the receipt printer.
  screens.policies = (root) => {
    add(root, heading(t('policiesTitle')), h('p', { class: 'help' }, t('policiesIntro')), problemBox(state.problem));
    const options = state.policyOptions;
    if (!options) {
      act(async () => { state.policyOptions = await api('GET', '/v1/policies'); render(false); });
      return;
    }
    const profile = state.policyProfile;
    const labelled = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
    const select = (id, key, choices) => {
      const element = h('select', { id, name: key, onchange: (event) => { profile[key] = event.target.value; } },
        choices.map((choice) => h('option', { value: choice.value, selected: profile[key] === choice.value }, lt(choice.label))));
      profile[key] = profile[key] || choices[0].value;
      return element;
    };
    const text = (id, key, type = 'text') => {
      const input = h('input', { id, name: key, type, oninput: (event) => { profile[key] = event.target.value.trim(); } });
      input.value = profile[key] || '';
      return input;
    };
    const form = h('form', { novalidate: true, onsubmit: (event) => { event.preventDefault(); act(matchPolicies); } },
      labelled('policy-credit-code', t('creditCode'), text('policy-credit-code', 'creditCode')),
      labelled('policy-legal-form', t('legalForm'), select('policy-legal-form', 'legalForm', options.legalForms)),
      labelled('policy-industry', t('industry'), select('policy-industry', 'industry', options.industries)),
      labelled('policy-size', t('enterpriseSize'), select('policy-size', 'size', options.sizes)),
      labelled('policy-founded', t('foundedOn'), text('policy-founded', 'foundedOn', 'date')),
      labelled('policy-district', t('district'), text('policy-district', 'district')),
      h('fieldset', {}, h('legend', {}, t('interests')), h('div', { class: 'choices' }, options.tags.map((tag) =>
        h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'tags', value: tag.value, checked: profile.tags.includes(tag.value),
          onchange: (event) => {
            profile.tags = profile.tags.filter((value) => value !== tag.value);
            if (event.target.checked) profile.tags.push(tag.value);
          } }), ' ', lt(tag.label))))),
      h('div', { class: 'actions' },
        button(t('back'), () => goHome()),
        h('button', { type: 'submit', class: 'primary', id: 'policy-match' }, t('findPolicies'))));
    add(root, form);
  };

  async function matchPolicies() {
    const profile = Object.assign({}, state.policyProfile);
    if (!profile.district) delete profile.district;
    const answer = await api('POST', '/v1/policies/match', profile);
    show('policy-results', { policyMatches: answer.matches, policyPrinted: null });
  }

  async function printPolicies(ids) {
    const answer = await api('POST', '/v1/policies/print', { policyIds: ids });
    state.policyPrinted = answer.receipt;
    render(false);
    announce(answer.receipt.state === 'printed' ? t('policyPrinted') : t('printFailed'));
  }

  screens['policy-results'] = (root) => {
    const matches = state.policyMatches || [];
    add(root, heading(t('policiesFound', matches.length)), problemBox(state.problem));
    if (state.policyPrinted) {
      add(root, h('p', { class: state.policyPrinted.state === 'printed' ? 'notice-ok' : 'problem', id: 'policy-printed', role: 'status' },
        state.policyPrinted.state === 'printed' ? t('policyPrinted') : t('printFailed')));
    }
    if (!matches.length) add(root, h('p', {}, t('noPolicies')));
    for (const policy of matches) {
      add(root, h('section', { class: 'policy', 'data-policy': policy.id },
        h('h2', {}, lt(policy.title), policy.example ? h('span', { class: 'muted' }, ' ' + t('examplePolicy')) : null),
        h('p', {}, `${lt(policy.department)} · ${policy.source.number} (${policy.source.date}) · ${policy.validUntil ? t('validUntil') + ' ' + policy.validUntil : t('untilRepealed')}`),
        h('p', {}, h('strong', {}, t('whoQualifies')), ' ', lt(policy.qualifies)),
        h('ul', {}, policy.benefits.map((benefit) => h('li', {}, lt(benefit)))),
        h('p', { class: 'help' }, h('strong', {}, t('whyMatched')), ' ', policy.reasons.map(lt).join('; ')),
        button(t('printSheet'), () => act(() => printPolicies([policy.id])), { 'data-print-policy': policy.id })));
    }
    add(root, h('div', { class: 'actions' },
      button(t('back'), () => show('policies')),
      matches.length ? button(t('printAllSheets'), () => act(() => printPolicies(matches.slice(0, 10).map((p) => p.id))), { class: 'primary', id: 'print-all-policies' }) : null,
      button(t('home'), () => goHome())));
  };

  // ---- place the card -----------------------------------------------------------------------
  function cardPrompt() {
    const present = state.card || state.cardPresent;
    const lines = [];
    if (state.card) {
      lines.push(h('p', { id: 'card-summary' }, t('cardRead', cardName(state.card))));
      if (state.card.failedChecks.length) lines.push(h('p', { class: 'field-error' }, t('cardFailed', state.card.failedChecks.join(', '))));
    } else {
      lines.push(h('p', {}, t('placeCardPrompt')));
    }
    if (state.cardFault) lines.push(h('p', { class: 'field-error' }, t('cardReadFailed', lt(state.cardFault.message))));
    return h('div', { class: 'card-prompt' + (present ? ' present' : ''), 'aria-live': 'polite' }, lines);
  }

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

  function showSession(view, validation = null) {
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
    const again = document.querySelector(`input[name="${field.id}"][value="${String(chosen)}"]`);
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
              const again = document.querySelector(`input[name="material-${id}"][value="${option.value}"]`);
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
    const accepted = document.getElementById('accept-declaration').checked;
    const filing = await api('POST', `/v1/sessions/${state.sessionId}/submit`, { acceptDeclaration: accepted });
    state.filing = filing;
    state.session = Object.assign({}, state.session, { position: 'submitted' });
    stopWarning();
    show('session');
  }

  function qrImage(text, label = text) {
    return h('img', { class: 'qr', id: 'receipt-qr', src: '/v1/qr-code?text=' + encodeURIComponent(text), alt: t('qrAlt', label) });
  }

  // Whether no printer can print now (none, offline, faulted or out of paper), as the device
  // list and events tell: the citizen is told before they start that receipts come as QR codes.
  function printingUnavailable() {
    if (!state.printers) return false;   // not known yet
    return !Object.values(state.printers).some((p) => p.state !== 'offline' && p.state !== 'error' && p.paper !== 'out');
  }

  function printResult(receipt, printedKey, failedKey, qrText, qrLabel = qrText) {
    if (!receipt || receipt.state === 'printed') return h('div', { class: 'notice-ok', role: 'status', id: 'print-result' }, t(printedKey));
    const why = t('printReasons')[receipt.reason || receipt.state] || receipt.reason || receipt.state;
    // Announced before the filing began: the QR code is the receipt, not a failure at the end.
    const box = printingUnavailable()
      ? h('div', { class: 'notice', role: 'status', id: 'print-result' }, h('p', {}, t('receiptAsQR', why)), qrImage(qrText, qrLabel))
      : h('div', { class: 'problem', role: 'alert', id: 'print-result' }, h('p', {}, t(failedKey, why)), qrImage(qrText, qrLabel));
    if (receipt.jobId) add(box, h('div', { class: 'actions' }, button(t('reprint'), () => act(async () => {
      const again = await api('POST', `/v1/print-jobs/${encodeURIComponent(receipt.jobId)}/reprint`, undefined, { idempotent: true });
      Object.assign(receipt, again);
      render(false);
      if (again.state === 'printed') announce(t('reprinted'));
    }), { id: 'reprint-button' })));
    return box;
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

  // ---- booking ------------------------------------------------------------------------------
  function serviceName(service) { return state.lang === 'en' ? service.nameEn : service.nameZh; }
  function serviceById(id) { return (state.services || []).find((s) => s.id === id); }
  function addDays(date, days) {
    const d = new Date(date + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }
  function weekday(date) { return new Date(date + 'T00:00:00Z').getUTCDay(); }
  // Wall-clock times in the hall: every slot id carries its UTC offset (`hukou:2026-10-08T10:00+08:00`),
  // so the screen needs no time-zone guess of its own.
  function hallOffsetMinutes(slotId) {
    const match = /([+-])(\d{2}):(\d{2})$/.exec(slotId || '');
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 480;
  }
  function localTime(instant, slotId) {
    const shifted = new Date(new Date(instant).getTime() + hallOffsetMinutes(slotId) * 60000);
    return shifted.toISOString().slice(11, 16);
  }

  screens['book-service'] = (root) => {
    add(root, heading(t('chooseService')), problemBox(state.problem), h('div', { class: 'tiles' }, (state.services || []).map((service) =>
      button([serviceName(service), h('span', { class: 'sub' }, t('minutes', service.durationMinutes) + (service.afterHours ? ' · ' + t('afterHoursService') : ''))],
        () => act(() => chooseService(service)), { class: 'tile', 'data-service': service.id }))));
    add(root, h('div', { class: 'actions' }, button(t('back'), () => goHome())));
  };

  async function chooseService(service) {
    const [today] = await api('GET', '/v1/calendar');  // today in the hall's time zone
    const from = today.date;
    const to = addDays(from, Math.max(0, Math.min(service.horizonDays, 30)));
    const [slots, calendar] = await Promise.all([
      api('GET', `/v1/services/${encodeURIComponent(service.id)}/slots?from=${from}&to=${to}`),
      api('GET', `/v1/calendar?from=${from}&to=${to}`)]);
    state.booking = Object.assign({}, state.booking, { serviceId: service.id, from, to, slots, calendar });
    show('book-day');
  }

  // What a day is, from the server's calendar (holiday, 调休, provisional, hours) and the slots.
  function dayReport(date, slots) {
    const day = (state.booking.calendar || []).find((d) => d.date === date) || {};
    const tags = [];
    if (day.kind === 'holiday') tags.push(t('dayHoliday') + (day.holidayName ? ` · ${day.holidayName}` : ''));
    if (day.kind === 'makeupWorkday') tags.push(t('dayMakeup'));
    if (day.provisional) tags.push(t('dayProvisional'));
    if (!slots.length) {
      if (date === state.booking.from && day.opening) tags.push(t('noSlotsLeftToday'));
      else if (day.kind !== 'holiday') tags.push(t('dayClosed'));
    } else {
      if (!slots.some((s) => s.kind !== 'afterHours')) tags.push(t('dayAfterHours'));
      if (slots.every((s) => s.remaining === 0)) tags.push(t('dayFull'));
    }
    return { tags, open: slots.some((s) => s.remaining > 0), kind: day.kind || 'unknown' };
  }

  screens['book-day'] = (root) => {
    const service = serviceById(state.booking.serviceId);
    add(root, heading(t('chooseDay')), h('p', { class: 'help' }, serviceName(service)), problemBox(state.problem));
    const days = [];
    for (let date = state.booking.from; date <= state.booking.to; date = addDays(date, 1)) days.push(date);
    add(root, h('div', { class: 'days' }, days.map((date) => {
      const slots = state.booking.slots.filter((s) => s.date === date);
      const report = dayReport(date, slots);
      const label = `${t('weekdays')[weekday(date)]} ${date.slice(5)}${date === state.booking.from ? ' · ' + t('dayToday') : ''}`;
      return button([label, report.tags.map((tag) => h('span', { class: 'tag' }, tag))],
        () => show('book-slot', { booking: Object.assign({}, state.booking, { date }) }),
        { class: 'day' + (report.open ? '' : ' closed'), disabled: !report.open, 'data-date': date, 'data-kind': report.kind });
    })));
    add(root, h('div', { class: 'actions' }, button(t('back'), () => show(state.booking.mode === 'reschedule' ? 'lookup' : 'book-service'))));
  };

  screens['book-slot'] = (root) => {
    const slots = state.booking.slots.filter((s) => s.date === state.booking.date);
    add(root, heading(t('chooseSlot')), h('p', { class: 'help' }, `${serviceName(serviceById(state.booking.serviceId))} · ${state.booking.date}`), problemBox(state.problem));
    add(root, h('div', { class: 'slots' }, slots.map((slot) => {
      const tags = [t('placesLeft', slot.remaining)];
      if (slot.kind === 'lunchDuty') tags.push(t('lunchDuty'));
      if (slot.kind === 'afterHours') tags.push(t('afterHoursSlot'));
      if (slot.provisional) tags.push(t('dayProvisional'));
      return button([`${slot.startTime}–${slot.endTime}`, tags.map((tag) => h('span', { class: 'tag' }, tag))],
        () => act(() => chooseSlot(slot)), { class: 'slot', disabled: slot.remaining === 0, 'data-slot': slot.id });
    })));
    add(root, h('div', { class: 'actions' }, button(t('back'), () => show('book-day'))));
  };

  async function chooseSlot(slot) {
    if (state.booking.mode === 'reschedule') {
      const booking = await api('POST', `/v1/bookings/${encodeURIComponent(state.booking.code)}/reschedule`,
        Object.assign({ slotId: slot.id }, state.booking.identity), { idempotent: true });
      show('booking-details', { booking: Object.assign({}, state.booking, { record: booking, message: t('rescheduled') }) });
      return;
    }
    // The place is held once the citizen says who they are (a hold names its citizen).
    show('book-confirm', { booking: Object.assign({}, state.booking, { slot }) });
  }

  function identityChooser(onIdentity, cardLabel, numberLabel) {
    const input = h('input', { id: 'id-number', inputmode: 'text', autocomplete: 'off', maxlength: '18' });
    return h('div', {},
      cardPrompt(),
      h('div', { class: 'actions' }, button(cardLabel, () => act(() => onIdentity({ useCard: true })),
        { class: 'primary', id: 'use-card', disabled: !(state.card || state.cardPresent) })),
      h('div', { class: 'field' }, h('label', { for: 'id-number' }, t('orTypeId')), input),
      h('div', { class: 'actions' }, button(numberLabel, () => act(() => onIdentity({ idNumber: input.value.trim().toUpperCase() })), { id: 'use-number' })));
  }

  screens['book-confirm'] = (root) => {
    const { slot } = state.booking;
    add(root, heading(t('confirmBooking')), problemBox(state.problem),
      h('p', {}, `${serviceName(serviceById(slot.serviceId))} · ${slot.date} ${slot.startTime}–${slot.endTime}`),
      identityChooser(confirmBooking, t('bookWithCard'), t('bookWithNumber')),
      h('div', { class: 'actions' }, button(t('back'), () => show('book-slot'))));
  };

  // Hold (the place is kept for this citizen), confirm, print the slip: each names the citizen.
  async function confirmBooking(identity) {
    const hold = await api('POST', '/v1/holds', Object.assign({ slotId: state.booking.slot.id }, identity), { idempotent: true });
    const record = await api('POST', '/v1/bookings', Object.assign({ holdId: hold.holdId }, identity), { idempotent: true });
    const printed = await api('POST', `/v1/bookings/${encodeURIComponent(record.code)}/slip`, identity, { idempotent: true });
    show('booking-done', { booking: Object.assign({}, state.booking, { hold, record, receipt: printed.receipt }) });
  }

  function bookingFacts(record) {
    const service = serviceById(record.serviceId);
    return h('dl', { class: 'review-section' },
      h('dt', {}, t('service')), h('dd', {}, service ? serviceName(service) : record.serviceId),
      h('dt', {}, t('date')), h('dd', { id: 'booking-date' }, record.date),
      h('dt', {}, t('time')), h('dd', { id: 'booking-time' }, `${localTime(record.start, record.slotId)}–${localTime(record.end, record.slotId)}`),
      h('dt', {}, t('status')), h('dd', { id: 'booking-status' }, t('bookingStatus')[record.status] || record.status),
      h('dt', {}, t('idMasked')), h('dd', {}, record.maskedIdNumber));
  }

  screens['booking-done'] = (root) => {
    const { record, receipt } = state.booking;
    add(root, heading(t('bookedTitle')), problemBox(state.problem), h('p', {}, t('bookingCode')),
      h('p', { class: 'big-code', id: 'booking-code' }, groupedCode(record.code)), bookingFacts(record),
      record.notice ? h('p', { class: 'problem' }, lt(record.notice)) : null,
      printResult(receipt, 'slipPrinted', 'slipNotPrinted', record.code),
      h('div', { class: 'actions' }, button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' })));
  };

  // The code (optional) says which booking; the card or the typed ID number says whose: a code
  // alone never checks anyone in.
  function groupedCode(code) { return (code || '').match(/.{1,4}/g).join('-'); }

  // ---- check-in -----------------------------------------------------------------------------
  // A scanned booking slip (a handle on its code: the event stream never carries the code),
  // checked in at once with the card on the reader, or as soon as the card is placed.
  function scannedSlip(slip) {
    show('checkin', { scannedSlip: slip });
    if (state.card || state.cardPresent) act(() => checkIn({ scannedSlip: slip, useCard: true }));
  }

  screens.checkin = (root) => {
    const code = h('input', { id: 'checkin-code', autocomplete: 'off', autocapitalize: 'characters', value: '' });
    const withCode = (identity) => {
      const typed = code.value.replace(/[\s-]/g, '').toUpperCase();
      const slip = typed ? { code: typed } : state.scannedSlip ? { scannedSlip: state.scannedSlip } : {};
      return checkIn(Object.assign(slip, identity));
    };
    add(root, heading(t('checkInTitle')), problemBox(state.problem),
      state.scannedSlip ? h('p', { class: 'notice-ok', role: 'status', id: 'scanned-slip' }, t('scannedSlipPlaceCard')) : null,
      h('div', { class: 'field' }, h('label', { for: 'checkin-code' }, t('checkInCode')), code),
      identityChooser(withCode, t('checkInWithCard'), t('checkInWithNumber')),
      h('div', { class: 'actions' }, button(t('back'), () => goHome())));
  };

  async function checkIn(body) {
    const result = await api('POST', '/v1/check-ins', body, { idempotent: true });
    state.scannedSlip = null;
    // The rating token comes only in this answer: kept for this screen's rating, never shown.
    show('ticket', { booking: { checkIn: result, ratingToken: result.ticket.ratingToken } });
  }

  screens.ticket = (root) => {
    const { ticket, late } = state.booking.checkIn;
    add(root, heading(t('ticketTitle')), problemBox(state.problem), h('p', { class: 'big-code', id: 'ticket-number' }, ticket.number),
      ticket.ahead !== null && ticket.ahead !== undefined ? h('p', {}, t('ahead', ticket.ahead))
        : ticket.aheadUnknown ? h('p', { id: 'ahead-unknown' }, t('aheadUnknown')) : null,
      ticket.estimatedWaitMinutes !== null && ticket.estimatedWaitMinutes !== undefined ? h('p', {}, t('wait', ticket.estimatedWaitMinutes)) : null,
      late ? h('p', { class: 'problem' }, t('lateCheckIn')) : null,
      ratingPanel(ticket),
      h('div', { class: 'actions' }, button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' })));
  };

  // Once the counter has finished the ticket (a `ticketFinished` message), the citizen rates the
  // service here: 1 to 5, as the 好差评 scheme asks.
  function ratingPanel(ticket) {
    const booking = state.booking;
    if (booking.rated) return h('p', { class: 'notice-ok', role: 'status', id: 'rating-thanks' }, t('thanksRating'));
    if (!booking.finished) return null;
    return h('section', { class: 'panel', id: 'rating' }, h('h2', {}, t('rateTitle')),
      h('div', { class: 'stars', role: 'group', 'aria-label': t('rateTitle') }, [1, 2, 3, 4, 5].map((score) =>
        button('★'.repeat(score), () => act(async () => {
          await api('POST', `/v1/tickets/${ticket.id}/rating`, { score, ratingToken: booking.ratingToken }, { idempotent: true });
          booking.rated = true;
          render(false);
          announce(t('thanksRating'));
        }), { 'aria-label': t('rate', score), 'data-score': String(score) }))));
  }

  listeners.push((event) => {
    const checkIn = state.booking && state.booking.checkIn;
    if (event.type !== 'ticketFinished' || !checkIn || event.ticket.id !== checkIn.ticket.id) return;
    state.booking.finished = true;
    if (state.screen === 'ticket') { render(false); announce(t('rateTitle')); }
  });

  // ---- look up, cancel, reschedule ----------------------------------------------------------
  screens.lookup = (root) => {
    const code = h('input', { id: 'lookup-code', autocomplete: 'off', value: state.booking.code || '' });
    add(root, heading(t('lookupTitle')), problemBox(state.problem),
      h('div', { class: 'field' }, h('label', { for: 'lookup-code' }, t('bookingCode')), code),
      identityChooser((identity) => lookUp(code.value.trim().toUpperCase(), identity), t('lookUpWithCard'), t('lookUp')),
      h('div', { class: 'actions' }, button(t('back'), () => goHome())));
  };

  async function lookUp(code, identity) {
    code = code.replace(/[\s-]/g, '');
    const record = await api('POST', '/v1/bookings/lookup', Object.assign({ code }, identity));
    show('booking-details', { booking: { code, identity, record } });
  }

  screens['booking-details'] = (root) => {
    const { record, identity, message, receipt } = state.booking;
    add(root, heading(t('bookingCode') + ' ' + groupedCode(record.code)), problemBox(state.problem),
      message ? h('p', { class: 'notice-ok', role: 'status', id: 'booking-message' }, message) : null,
      bookingFacts(record), record.notice ? h('p', { class: 'problem' }, lt(record.notice)) : null,
      receipt ? printResult(receipt, 'slipPrinted', 'slipNotPrinted', record.code) : null);
    const actions = h('div', { class: 'actions' });
    if (record.status === 'confirmed') {
      add(actions, 
        button(t('reschedule'), () => act(async () => {
          const service = serviceById(record.serviceId);
          state.booking = Object.assign({}, state.booking, { mode: 'reschedule' });
          await chooseService(service);
        }), { id: 'reschedule-button' }),
        button(t('printSlip'), () => act(async () => {
          const printed = await api('POST', `/v1/bookings/${encodeURIComponent(record.code)}/slip`, identity, { idempotent: true });
          state.booking = Object.assign({}, state.booking, { receipt: printed.receipt });
          render(false);
        }), { id: 'slip-button' }),
        button(t('cancelBooking'), () => act(async () => {
          const cancelled = await api('POST', `/v1/bookings/${encodeURIComponent(record.code)}/cancel`, identity, { idempotent: true });
          show('booking-details', { booking: Object.assign({}, state.booking, { record: cancelled, message: t('cancelled'), receipt: null }) });
        }), { class: 'danger', id: 'cancel-booking-button' }));
    }
    add(actions, button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' }));
    add(root, actions);
  };

  // ---- the progress of a filing (扫码查询办理进度), its 好差评 and its correction -------------------
  // Whose filing it is: the card on the reader (all their filings), the ID number typed with the
  // reference, or the receipt's QR code (a scanner types `P1:…` into the reference and Enter).
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

  async function lookUpProgress(identity, reference) {
    const body = Object.assign(reference ? { reference } : {}, identity);
    const [results, lists] = await Promise.all([api('POST', '/v1/progress/lookup', body),
      state.ratingLists ? state.ratingLists : api('GET', '/v1/filings/reasons')]);
    state.ratingLists = lists;
    show('progress-results', { progress: { identity, reference, results, rated: {} } });
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
        const chosen = document.querySelector(`input[name="${name}"]:checked`);
        if (!chosen) throw new Problem(422, { messages: { 'zh-CN': t('chooseGrade'), en: t('chooseGrade') } });
        const body = Object.assign({ grade: chosen.value,
          reasons: [...document.querySelectorAll(`input[name="${name}-reason"]:checked`)].map((input) => input.value) },
        state.progress.identity);
        const comment = document.getElementById(`${name}-comment`).value.trim();
        if (comment) body.comment = comment;
        const updated = await api('POST', `/v1/filings/${encodeURIComponent(filing.reference)}/rating`, body);
        state.progress.results = state.progress.results.map((f) => (f.reference === updated.reference ? updated : f));
        render(false);
        announce(t('thanksRating'));
      }), { class: 'primary submit-rating' })));
  }

  // ---- the simulated reader's controls (devices.mode = "simulated") ----------------------------
  async function setUpSimulator() {
    let fixtures;
    try { fixtures = await api('GET', '/v1/simulator/cards'); } catch (error) { return; }
    const panel = document.getElementById('simulator');
    const box = document.getElementById('simulator-cards');
    box.replaceChildren(...fixtures.map((name) => button(name, () => api('POST', '/v1/simulator/cards', { fixture: name }), { 'data-fixture': name })),
      button('✕', () => api('DELETE', '/v1/simulator/cards'), { 'aria-label': 'remove card' }));
    panel.hidden = false;
  }

  // ---- start --------------------------------------------------------------------------------
  async function start() {
    connectEvents();
    // A page reloaded in the middle of a filing ends that session: its answers are not shown again.
    const stale = sessionStorage.getItem('kiosk.sessionId');
    if (stale) {
      sessionStorage.removeItem('kiosk.sessionId');
      try { await api('DELETE', `/v1/sessions/${stale}`); } catch (error) { /* already ended */ }
    }
    try {
      const [info, forms, devices] = await Promise.all([api('GET', '/v1/info'), api('GET', '/v1/forms'), api('GET', '/v1/devices')]);
      state.info = info;
      state.forms = forms;
      state.printers = {};
      for (const device of devices) {
        if (device.info.kind === 'receiptPrinter') state.printers[device.info.id] = { state: device.state, paper: device.status.paper };
        if (device.status.paper) state.paper = device.status.paper;
        if (device.status.card === 'cardPresent') state.cardPresent = true;
      }
    } catch (error) {
      state.problem = problemText(error);
    }
    try { state.services = await api('GET', '/v1/services'); } catch (error) { state.services = []; }
    setUpSimulator();
    render(true);
    document.body.dataset.ready = 'true';
  }

  // What the staff console (staff.js) shares with the citizen screens.
  window.Kiosk = { state, t, lt, h, add, button, heading, problemBox, api, Problem, problemText, act, show, render, screens,
    announce, listeners, goHome, showSession, serviceName };
  start();
})();
