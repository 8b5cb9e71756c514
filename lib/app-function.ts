import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { METRICS_NAMESPACE } from '../functions/commons/metric-names.js';
import { aliasArguments, BUNDLE_MAIN_FIELDS, BUNDLE_TARGET, ESM_REQUIRE_BANNER } from './bundling.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The `service` a function's logs and metrics carry (`POWERTOOLS_SERVICE_NAME`): Powertools Metrics
 * adds it as a dimension to every metric, so the dashboard and the alarms (lib/observability.ts) ask
 * for the same value.
 */
export function serviceName(handlerFile: string): string {
  return `queue-groups-${handlerFile}`;
}

export interface AppFunctionProps {
  /** Handler file under `functions/handlers/`, without extension, e.g. `voice`. */
  readonly handlerFile: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * The house defaults for every function of the project: Node.js 22 on ARM, bundled as ESM and
 * minified by the local esbuild (no Docker), the AWS SDK bundled at the lockfile's versions, source
 * maps, a log group with a retention that only this function's role may write to, and the
 * Powertools service name and metrics namespace. bin/bench.ts bundles with the same options.
 */
export class AppFunction extends NodejsFunction {
  readonly logGroupRef: LogGroup;
  /** The handler file it runs (`voice`, `admin`, `reconcile`): test/permissions/ matches roles to recorded requests by it. */
  readonly handlerFile: string;
  /** Its `service` dimension in the metrics it emits (Powertools). */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of its own instead of the default one with the AWS managed AWSLambdaBasicExecutionRole,
    // which may create and write every log group of the account: this one writes to its log group only.
    const role = new Role(scope, `${id}ServiceRole`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const service = serviceName(props.handlerFile);
    const functionProps: NodejsFunctionProps = {
      entry: join(root, 'functions', 'handlers', `${props.handlerFile}.ts`),
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // Powertools Logger and Metrics read these; the metrics' `service` dimension is the service name.
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        // ESM lets esbuild drop what is not used (zod's locales, most of the SDK): about half the
        // size of a CommonJS bundle, which is less to load on a cold start (`npm run bench`).
        format: OutputFormat.ESM,
        mainFields: BUNDLE_MAIN_FIELDS,
        banner: ESM_REQUIRE_BANNER,
        target: BUNDLE_TARGET,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK at the versions the lockfile pins instead of the runtime's changing copy.
        externalModules: [],
        // The credential chain the Lambda environment makes unnecessary (lib/bundling.ts).
        esbuildArgs: { '--alias': aliasArguments() },
        forceDockerBundling: false,
      },
    };
    super(scope, id, functionProps);
    this.logGroupRef = logGroup;
    this.handlerFile = props.handlerFile;
    this.serviceName = service;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 on purpose: the bundles target node22 (lib/bundling.ts, BUNDLE_TARGET) and the memory and cold start were measured on it (lib/function-sizes.ts); cdk.json turns off useLatestRuntimeVersion so a CDK upgrade cannot change the runtime unmeasured',
    });
  }
}
