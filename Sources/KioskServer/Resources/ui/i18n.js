// @ts-check
// The screen's own words in both languages live in texts.json, the one copy: the page draws
// from it and the server reads the same file aloud (GET /v1/speech), so what is spoken is what
// is shown. What the server sends (forms, problems) carries its own zh-CN and en texts.
// `{0}`, `{1}` are filled in by t(). Every module that shows words waits for this one.

/** @type {Record<string, Record<string, any>>} */
export const TEXT = await loadTexts();

/** @returns {Promise<Record<string, Record<string, any>>>} */
async function loadTexts() {
  try {
    const response = await fetch('/ui/texts.json');
    if (response.ok) return await response.json();
  } catch (error) {
    // Reported below: a screen without its words still shows its keys, and can call staff.
  }
  console.error('the screen texts (/ui/texts.json) could not be loaded');
  return { 'zh-CN': {}, en: {} };
}
