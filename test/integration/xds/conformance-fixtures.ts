/** The cluster names and topologies the conformance cases share. */
import { makeTopology } from '../../support/xds-client/fixtures.js';

export const A = 'a.default:80';
export const B = 'b.default:80';
export const X = 'x.default:80';

/** Services a and b. */
export const TWO = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'] }, 'default/b': { endpoints: ['10.0.1.1@z1'] } });

/** Services a and b, and x, which appears later in some cases. */
export const WITH_X = makeTopology({
  'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'] },
  'default/b': { endpoints: ['10.0.1.1@z1'] },
  'default/x': { endpoints: ['10.0.2.1@z2'] },
});
