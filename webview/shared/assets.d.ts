/** scripts/build.mjs loads `.css` imports as text; apps adopt them as constructable stylesheets. */
declare module '*.css' {
  const text: string;
  export default text;
}
