// Copies the screenshots the e2e tier took in its last run (.test-state/e2e-shots) into
// media/screenshots, which the README shows. Run after `npm test -- --only e2e`.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const from = path.join(root, '.test-state/e2e-shots');
const to = path.join(root, 'media/screenshots');
fs.mkdirSync(to, { recursive: true });
const shots = fs.existsSync(from) ? fs.readdirSync(from).filter((f) => f.endsWith('.png') && !/(^|-)fail(ed)?-/.test(f)) : [];
for (const shot of shots) fs.copyFileSync(path.join(from, shot), path.join(to, shot));
console.log(shots.length ? `copied ${shots.join(', ')}` : `no screenshots in ${from}: run \`npm test -- --only e2e\` first`);
