// @ts-check
// Policies for my enterprise (惠企政策明白纸): the enterprise's profile (never a person's) is
// matched by the server against the hall's policies; each match says why, and its fact sheet is
// printed on the receipt printer.
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox, announce } from './dom.js';
import { api } from './api.js';
import { screens, show, render, act, goHome } from './screen.js';

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
