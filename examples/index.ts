import { App, Chart } from 'cdk8s';
import { MinimalExample } from './minimal';
import { ProductionExample } from './production';
import { SharedRbacExample } from './shared-rbac';

/** Every example app: its directory name under dist/examples and how to build its chart. */
export const EXAMPLES: Array<{ readonly name: string; readonly build: (app: App) => Chart }> = [
  { name: 'minimal', build: (app) => new MinimalExample(app, 'minimal') },
  { name: 'production', build: (app) => new ProductionExample(app, 'production') },
  { name: 'shared-rbac', build: (app) => new SharedRbacExample(app, 'shared-rbac') },
];
