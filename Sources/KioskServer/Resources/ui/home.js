// @ts-check
// The home screen: the hall's filings by department, progress, appointments and the policies
// for enterprises, as tiles.
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox } from './dom.js';
import { screens, show } from './screen.js';

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
