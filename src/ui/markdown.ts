import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  // Raw HTML in a reply is shown as the text it is: a model's markup is content, not page structure.
  renderer: { html: ({ text }) => escapeHtml(text) },
});

// Links in replies open in a new tab and tell the target nothing about the gateway.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/**
 * A reply's Markdown as safe HTML: marked renders it (code blocks, lists, tables, links), raw HTML
 * in it becomes visible text, and DOMPurify then removes anything that could still run or restyle
 * the page (javascript: URLs, forms, styles). The page's CSP refuses inline script as a last line.
 */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
  });
}
