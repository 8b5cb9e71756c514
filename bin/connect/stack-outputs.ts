import { NotReadyError, UsageError } from './errors.js';

/**
 * A deployed stack's outputs (`cdk deploy` prints them too), read with CloudFormation's
 * DescribeStacks through the SDK's default credential chain and region unless `--region` is given.
 */
export type StackOutputs = Readonly<Record<string, string>>;

export async function readStackOutputs(stackName: string, region: string | undefined): Promise<StackOutputs> {
  // Loaded only when the stack is asked: runs given every URL as flags need no AWS package.
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient(region === undefined ? {} : { region });
  try {
    const { Stacks: stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const [stack] = stacks;
    if (stack === undefined) throw new NotReadyError(`stack ${stackName} was not found: deploy it first, or give --stack NAME`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((output) =>
        output.OutputKey === undefined || output.OutputValue === undefined ? [] : [[output.OutputKey, output.OutputValue]],
      ),
    );
  } catch (error) {
    throw stackError(error, stackName, region);
  } finally {
    client.destroy();
  }
}

/** The SDK's failures as one line a user can act on. */
function stackError(error: unknown, stackName: string, region: string | undefined): Error {
  if (error instanceof NotReadyError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const where = region === undefined ? '' : ` in ${region}`;
  if (name === 'ValidationError' && /does not exist/.test(message))
    return new NotReadyError(`stack ${stackName} does not exist${where}: deploy it first, or give --stack NAME or --region REGION`, {
      cause: error,
    });
  if (/region is missing/i.test(message))
    return new UsageError('no AWS region to read the stack in: give --region REGION or set AWS_REGION', { cause: error });
  if (name === 'CredentialsProviderError' || /credential/i.test(message))
    return new UsageError(
      `no AWS credentials to read stack ${stackName} (${message.split('\n')[0] ?? ''}): set AWS_PROFILE or log in, or give --base-url with --admin-url or --config`,
      { cause: error },
    );
  return new Error(`reading stack ${stackName}${where}: ${message.split('\n')[0] ?? message}`, { cause: error });
}
