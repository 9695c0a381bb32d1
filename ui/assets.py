"""The page's CSS and JavaScript (served with the app; no data in them).

The JavaScript does four things Gradio has no setting for:
- the chat's copy button puts the message's plain text (its hidden `.copy-text`: `[n]` markers
  and the sources listed below) on the clipboard instead of the message's HTML;
- screen readers get the same plain text in each message's aria-label;
- a click on an `[n]` marker, a source line in a message or a source card opens that source in
  the viewer (it writes the number into the hidden `#cite-pick` box and clicks the hidden
  `#cite-go` button, which asks the server for the report);
- the question box takes the focus on load.
Message HTML is parsed with DOMParser (an inert document: nothing in it runs or loads).
"""

from __future__ import annotations

JS = r"""
() => {
  const plainOf = (html) => {
    if (typeof html !== 'string' || html.indexOf('copy-text') < 0) return null;
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const el = doc.querySelector('.copy-text');
    return el ? el.textContent : null;
  };
  if (navigator.clipboard && !navigator.clipboard.__plain) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (text) => write(plainOf(text) ?? text);
    navigator.clipboard.__plain = true;
  }
  const fixLabels = () => {
    document.querySelectorAll('#chat [aria-label*="copy-text"]').forEach((el) => {
      const label = el.getAttribute('aria-label');
      const cut = label.indexOf(': ');
      const plain = plainOf(label.slice(cut + 2));
      if (plain !== null) el.setAttribute('aria-label', label.slice(0, cut + 2) + plain);
    });
  };
  new MutationObserver(fixLabels).observe(document.body,
    {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label']});
  const pick = (n) => {
    const box = document.querySelector('#cite-pick textarea, #cite-pick input');
    if (!box) return;
    box.value = `${n}@${Date.now()}`;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    // Let the box's new value reach Gradio's state, then ask for the report.
    setTimeout(() => document.querySelector('#cite-go')?.click(), 50);
  };
  document.addEventListener('click', (ev) => {
    const t = ev.target.closest('[class*="cite-to-"]');
    const m = t && t.className.match(/cite-to-(\d+)/);
    if (m) { ev.preventDefault(); pick(m[1]); }
  });
  const focus = () => {
    const q = document.querySelector('#question textarea');
    if (q) q.focus(); else setTimeout(focus, 100);
  };
  focus();
}
"""

CSS = """
.welcome h2 { margin: 0 0 .2em; }
.welcome p { margin: 0; }
.answer .cite, .sources .cite-n { color: var(--color-accent); font-weight: 600; }
[class*="cite-to-"] { cursor: pointer; }
.answer .cite:hover, .cite-link:hover { text-decoration: underline; }
.refusal { border-left: 4px solid #d97706; background: rgba(217,119,6,.08); padding: .5em .75em; }
.reason { margin-top: .3em; }
.hint { margin-top: .3em; font-style: italic; }
.searched { font-size: .85em; opacity: .8; margin-top: .3em; }
.msg-sources { font-size: .85em; margin-top: .4em; }
.msg-sources ul { margin: .1em 0 0; padding-left: .2em; list-style: none; }
.copy-text { display: none; }
.note { font-size: .85em; opacity: .75; }
.sources .source, .sources .pointer { border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: .5em .75em; margin-bottom: .6em; }
.sources .pointer { border-style: dashed; opacity: .85; }
.source-meta { font-size: .85em; opacity: .75; overflow-wrap: anywhere; }
.passage { white-space: pre-wrap; margin: .4em 0 0; font-size: .92em; }
.passage mark, .document mark { background: #fde047; color: #111; }
.answer-phrase { text-decoration: underline; text-decoration-thickness: 2px; }
.document { max-height: 520px; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: .75em; }
.doc-title { font-weight: 600; margin-bottom: .5em; }
.doc-text { white-space: pre-wrap; font-size: .92em; }
.passage-open { background: rgba(96,165,250,.25); outline: 2px solid rgba(96,165,250,.6); }
.library-wrap { max-width: 100%; overflow-x: auto; }
table.library { width: 100%; font-size: .9em; table-layout: auto; }
table.library td, table.library th { overflow-wrap: anywhere; }
.doc-file { font-size: .85em; opacity: .75; word-break: break-all; }
#examples button { white-space: normal; text-align: left; }
.filter-msg { color: #b91c1c; }
/* A dropdown's text stops before its arrow (Gradio gives the input a fixed width). */
.secondary-wrap > input[role="combobox"] { width: calc(100% - 40px) !important;
  min-width: 0 !important; flex: 0 1 auto !important; text-overflow: ellipsis; }
@media (max-width: 640px) {
  .document { max-height: none; overflow: visible; }
  table.library, table.library tbody, table.library tr, table.library td { display: block; }
  table.library thead { display: none; }
  table.library tr { border-bottom: 1px solid var(--border-color-primary); padding: .3em 0; }
}
"""
