import { assignments } from '../shell/quote.js';
import type { RecipeContext } from './context.js';
import { shellFile } from './sh-file.js';
import { WHEELHOUSE_DIR, WHEELHOUSE_FUNCTIONS, wheelhouseReady } from './wheelhouse.js';

/**
 * Where the Python 3.12 of the Indico venv comes from, as shell text for the provisioning script:
 * the distribution's when it has one Indico 3.3 accepts (>=3.12.2,<3.13: EL 9, Ubuntu 24.04), else
 * one that uv installs under the install dir (Debian 12/13, Ubuntu 22.04; Indico's guide uses pyenv).
 * uv itself comes from pip (so the pip index options reach it); the interpreter it downloads comes
 * from UV_PYTHON_INSTALL_MIRROR when python-install-mirror is given.
 *
 * Needs INSTALL_DIR, INDICO_USER and pythonVariables set and the library's note/die; defines as_indico
 * and sets PYTHON.
 */

/** pip reads its index, extra index and find-links from the environment: one place for every pip call. */
function pipEnvironment(ctx: RecipeContext): string {
  const o = ctx.options;
  const pipEnv: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
  if (o.pipIndexUrl !== undefined) pipEnv.PIP_INDEX_URL = o.pipIndexUrl;
  if (o.pipExtraIndexUrl !== undefined) pipEnv.PIP_EXTRA_INDEX_URL = o.pipExtraIndexUrl;
  const findLinks = o.pythonWheelhouse !== undefined ? WHEELHOUSE_DIR : o.pipFindLinks;
  if (findLinks !== undefined) pipEnv.PIP_FIND_LINKS = findLinks;
  // A wheel folder without an index is an air-gapped site: asking the default index would only hang.
  if (findLinks !== undefined && o.pipIndexUrl === undefined && o.pipExtraIndexUrl === undefined) {
    pipEnv.PIP_NO_INDEX = '1';
  }
  return assignments(pipEnv);
}

/** The preamble's variables of the Python step: the install's only when Indico is installed. */
export function pythonVariables(ctx: RecipeContext): [string, string][] {
  const o = ctx.options;
  const variables: [string, string][] = [['PYTHON_VERSION', o.pythonVersion]];
  if (!o.installIndico) return variables;
  const requirement = `indico${/^[0-9]/.test(o.indicoVersion) ? '==' : ''}${o.indicoVersion.replace(/\s+/g, '')}`;
  variables.push(['INDICO_REQUIREMENT', requirement], ['PYTHON_INSTALL_MIRROR', o.pythonInstallMirror ?? '']);
  return variables;
}

/** The wheelhouse, as_indico with the pip options, and python-select.sh, which sets PYTHON. */
export function pythonSelection(ctx: RecipeContext): string {
  const wheelhouse = ctx.options.pythonWheelhouse;
  return `${wheelhouse !== undefined ? `${WHEELHOUSE_FUNCTIONS}${wheelhouseReady(wheelhouse)}` : ''}as_indico() {
  runuser -u "$INDICO_USER" -- env HOME="$INSTALL_DIR" ${pipEnvironment(ctx)} "$@"
}
${shellFile('python-select.sh')}`;
}
