import type { StackConfig } from '../../stack/config';
import type { ServiceName } from '../../stack/service';
import type { ContainerStack } from './containers';

/** What global setup started, so that teardown stops exactly that and nothing else. */
export interface TestStackHandle {
  containers?: ContainerStack;
  config?: StackConfig;
  /** Local stack services this run started (not those it found already up). */
  localStarted: ServiceName[];
}
