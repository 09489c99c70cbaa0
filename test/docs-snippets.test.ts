/**
 * The docs as the registry renders them, and every HCL snippet in README.md and docs/ as a user would paste it:
 *
 *   - every resource page has Example Usage, Schema (Required / Optional / Read-Only) and Import sections, and every
 *     page the tfplugindocs frontmatter (page_title, subcategory, description);
 *   - every ```hcl / ```terraform block passes `terraform fmt -check` and `terraform validate` with the packaged
 *     provider (from dist/mirror, offline).
 *
 * Snippets are complete configurations, with two mechanical rules: a snippet without a `required_providers` block
 * gets the standard one beside it (as on the registry, where the provider page shows it once), and an
 * `import` block on a resource page is validated together with that page's Example Usage, whose resource it
 * adopts. A snippet of Terraform's CLI configuration (`provider_installation`, `credentials`, ... — the
 * .terraformrc a user merges) is HCL but not a module: it gets `fmt -check` only.
 */
import { readFileSync, readdirSync, symlinkSync, copyFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateDocs, IMPORTS } from '../scripts/generate-docs';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from './support/terraform';

const ROOT = join(__dirname, '..');

function markdownFiles(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
    });
}

interface Snippet {
  where: string;
  text: string;
}

function hclBlocks(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```(hcl|terraform|tf)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    blocks.push({
      where: `${relative(ROOT, file)}:${start}`,
      text:
        lines
          .slice(start, end)
          .map((line) => line.slice(indent))
          .join('\n') + '\n',
    });
    i = end;
  }
  return blocks;
}

const FILES = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

/** The configurations to check: each snippet, with the rules from the header applied. */
type Configuration = {
  where: string;
  snippet: string;
  files: Record<string, string>;
  validatedWithImport: boolean;
  cliConfig: boolean;
};

/** Top-level blocks of Terraform's CLI configuration file, never of a module. */
const CLI_CONFIG =
  /^\s*(provider_installation|credentials|credentials_helper|plugin_cache_dir|disable_checkpoint|host)\b/m;

function configurations(): Configuration[] {
  const out: Configuration[] = [];
  for (const file of FILES) {
    const blocks = hclBlocks(file);
    const resourcePage = relative(ROOT, file).startsWith('docs/resources/');
    const hasImport = blocks.some((block) => /^import \{/.test(block.text.trim()));
    blocks.forEach((block, index) => {
      let config = block.text;
      if (/^import \{/.test(config.trim()) && resourcePage) config = `${blocks[0]!.text}\n${config}`;
      const files: Record<string, string> = { 'main.tf': config };
      if (!/required_providers/.test(config)) files['providers.tf'] = REQUIRED_PROVIDERS;
      // A resource page's Example Usage is validated as part of its import configuration (it is the same text plus the block).
      out.push({
        where: block.where,
        snippet: block.text,
        files,
        validatedWithImport: resourcePage && hasImport && index === 0,
        cliConfig: CLI_CONFIG.test(block.text),
      });
    });
  }
  return out;
}

test('every resource page has frontmatter, Example Usage, Schema and Import; data sources and the index have theirs', () => {
  const pages = markdownFiles(join(ROOT, 'docs')).filter((file) => !file.includes(`${join('docs', 'examples')}`));
  const resourcePages = pages.filter((file) => relative(ROOT, file).startsWith('docs/resources/'));
  expect(
    resourcePages.map((file) => relative(join(ROOT, 'docs', 'resources'), file).replace(/\.md$/, '')).sort(),
  ).toEqual(Object.keys(IMPORTS).sort());
  for (const file of pages) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    const frontmatter = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? '';
    expect({
      where,
      page_title: /^page_title: ".+"$/m.test(frontmatter),
      subcategory: /^subcategory: ".*"$/m.test(frontmatter),
      description: /^description: /m.test(frontmatter),
    }).toEqual({
      where,
      page_title: true,
      subcategory: true,
      description: true,
    });
    const headings = text.split('\n').filter((line) => /^##+ /.test(line));
    if (where.startsWith('docs/resources/')) {
      expect({
        where,
        headings: headings.filter((h) => ['## Example Usage', '## Schema', '## Import'].includes(h)),
      }).toEqual({ where, headings: ['## Example Usage', '## Schema', '## Import'] });
      expect(text).toMatch(/```shell\nterraform import exchangeonline_\w+\.\w+ /);
      expect(text).toMatch(/```hcl\nimport \{\n {2}to = exchangeonline_\w+\.\w+\n {2}id = ".+"\n\}\n```/);
    }
    if (where.startsWith('docs/data-sources/'))
      expect({ where, headings: headings.filter((h) => ['## Example Usage', '## Schema'].includes(h)) }).toEqual({
        where,
        headings: ['## Example Usage', '## Schema'],
      });
    if (/^docs\/(resources|data-sources)\//.test(where)) {
      for (const group of headings.filter((h) => h.startsWith('### ')))
        expect(['### Required', '### Optional', '### Read-Only']).toContain(group);
    }
  }
  // The index shows one provider configuration per way to sign in, and every generated page is committed.
  expect(readFileSync(join(ROOT, 'docs', 'index.md'), 'utf8').match(/^### /gm)?.length).toBeGreaterThanOrEqual(5);
  expect([...generateDocs().keys()].every((file) => pages.includes(join(ROOT, file)))).toBe(true);
});

describe('HCL snippets in README.md and docs/', () => {
  const all = configurations();

  test('there are snippets, and each one is formatted as terraform fmt writes it', async () => {
    expect(all.length).toBeGreaterThan(15);
    const files = Object.fromEntries(all.map((config, index) => [`snippet-${index}.tf`, config.snippet]));
    const tf = new TerraformWorkspace(files);
    try {
      const result = await tf.run(['fmt', '-check', '-list=true', '-no-color']);
      const unformatted = result.stdout
        .split('\n')
        .filter(Boolean)
        .map((name) => all[Number(/snippet-(\d+)\.tf/.exec(name)![1])]!.where);
      expect(unformatted).toEqual([]);
      expect(result.code).toBe(0);
    } finally {
      tf.cleanup();
    }
  });

  test('each one passes terraform validate with the packaged provider', async () => {
    const base = new TerraformWorkspace({ 'main.tf': REQUIRED_PROVIDERS });
    const failures: string[] = [];
    try {
      await base.init();
      const validate = async (config: (typeof all)[number]): Promise<void> => {
        const tf = new TerraformWorkspace(config.files);
        try {
          // Share the base directory's installed provider instead of running init for every snippet.
          symlinkSync(join(base.dir, '.terraform'), join(tf.dir, '.terraform'));
          copyFileSync(join(base.dir, '.terraform.lock.hcl'), join(tf.dir, '.terraform.lock.hcl'));
          const result = await tf.run(['validate', '-no-color']);
          if (result.code !== 0) failures.push(`${config.where}\n${result.stderr || result.stdout}`);
        } finally {
          tf.cleanup();
        }
      };
      // Three at a time: each validate is mostly terraform and provider start-up.
      const queue = all.filter((config) => !config.validatedWithImport && !config.cliConfig);
      await Promise.all(
        [1, 2, 3].map(async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await validate(next);
        }),
      );
    } finally {
      base.cleanup();
    }
    expect(failures).toEqual([]);
  });
});
