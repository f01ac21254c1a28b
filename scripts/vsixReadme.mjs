// The README that goes into the .vsix: README.md with every image embedded as a `data:` URI.
// VS Code's extension Details page renders the README in a webview whose CSP loads images only from
// `https:` and `data:` (no file or extension resources), and vsce keeps relative links as they are when it
// has no repository to point them at, so a relative `media/screenshots/x.png` would be a broken image
// once installed. Embedding is the one way that shows every picture offline as well as online.
import fs from 'node:fs';
import path from 'node:path';

const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

/**
 * @param {string} markdown the README text
 * @param {string} baseDir where its relative image paths start
 * @returns {{ markdown: string, images: string[] }} the text with images embedded (and relative links as text), and the files embedded
 */
export function embedReadmeImages(markdown, baseDir) {
  const images = [];
  const embedded = markdown.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_match, alt, target) => {
    if (/^(https:|data:)/i.test(target)) return `![${alt}](${target})`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) throw new Error(`README image ${target}: only https:, data: or files in the repository show on the Details page`);
    const file = path.resolve(baseDir, decodeURI(target));
    const mime = MIME[path.extname(file).toLowerCase()];
    if (!mime) throw new Error(`README image ${target}: SVG and unknown formats are not allowed in a .vsix README; use PNG`);
    if (!fs.existsSync(file)) throw new Error(`README image ${target} does not exist`);
    images.push(path.relative(baseDir, file));
    return `![${alt}](data:${mime};base64,${fs.readFileSync(file).toString('base64')})`;
  });
  if (/<img\s/i.test(embedded)) throw new Error('README: write images as ![alt](path) so they are embedded');
  // A relative link (CONTRIBUTING.md) leads nowhere from an installed extension's Details page: its text stays.
  const delinked = embedded.replace(/(?<!!)\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)[^)\s]+\)/gi, '$1');
  return { markdown: delinked, images };
}
