import { App, Chart } from 'cdk8s';
import { MinimalExample } from './minimal';
import { ProductionExample } from './production';
import { QuickstartExample } from './quickstart';
import { SharedRbacExample } from './shared-rbac';

/**
 * Every example app: its directory name under dist/examples, how to build its chart, and the names of the
 * user's own workloads in it (they need not pass Pod Security "restricted"; the library's pods must).
 */
export const EXAMPLES: Array<{ readonly name: string; readonly build: (app: App) => Chart; readonly userWorkloads?: string[] }> = [
  { name: 'quickstart', build: (app) => new QuickstartExample(app, 'quickstart'), userWorkloads: ['hello-client'] },
  { name: 'minimal', build: (app) => new MinimalExample(app, 'minimal') },
  { name: 'production', build: (app) => new ProductionExample(app, 'production') },
  { name: 'shared-rbac', build: (app) => new SharedRbacExample(app, 'shared-rbac') },
];
