import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMINS_GROUP, CONSOLE_REQUEST_HEADERS } from '../../lib/admin-console.js';
import { QueueGroupsStack } from '../../lib/queue-groups-stack.js';

type Statement = { Action: string | string[]; Effect: string; Resource: unknown; Condition?: unknown; Principal?: unknown };

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0] ?? '';
}

const CONSOLE_ORIGIN = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleDistribution'), 'DomainName'] }]] };

/** The console in AWS (SPEC section 18): lib/admin-console.ts, synthesized without bundling. */
describe('the console in the stack', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(new QueueGroupsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Console'));
  });

  it('keeps the files in a private, encrypted bucket that refuses requests without TLS and logs its access', () => {
    const files = logicalId(template, 'AWS::S3::Bucket', 'ConsoleFiles');
    const logs = logicalId(template, 'AWS::S3::Bucket', 'ConsoleLogs');
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 'console-bucket/' },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    const statements = new Capture();
    template.hasResourceProperties('AWS::S3::BucketPolicy', { Bucket: { Ref: files }, PolicyDocument: { Statement: statements } });
    const policy = statements.asArray() as Statement[];
    expect(policy).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // CloudFront reads it through origin access control, for this distribution only; nobody else is allowed.
    expect(policy).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      }),
    );
    expect(policy.filter((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal).includes('"*"'))).toEqual([]);
  });

  it('serves them with CloudFront over HTTPS, index.html at the root, through origin access control, with security headers and access logs', () => {
    const logs = logicalId(template, 'AWS::S3::Bucket', 'ConsoleLogs');
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          ResponseHeadersPolicyId: { Ref: Match.stringLikeRegexp('^ConsoleSecurityHeaders') },
        }),
        Origins: [
          Match.objectLike({
            OriginAccessControlId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleDistributionOrigin1S3OriginAccessControl'), 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
        Logging: { Bucket: { 'Fn::GetAtt': [logs, 'RegionalDomainName'] }, Prefix: 'cloudfront/' },
      }),
    });
    const csp = new Capture();
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          ContentSecurityPolicy: { ContentSecurityPolicy: csp, Override: true },
        },
      }),
    });
    const policy = JSON.stringify(csp.asObject());
    for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "media-src 'self' blob:"])
      expect(policy).toContain(directive);
    expect(policy).toContain('connect-src');
    expect(policy).toContain('.on.aws https://cognito-identity.');
  });

  it('lets administrators sign in only when an administrator created them, with a strong password and an authenticator app', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: ADMINS_GROUP,
      UserPoolId: { Ref: Match.stringLikeRegexp('^ConsoleUsers') },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['console-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] },
    });
  });

  it('has one app client for the sign-in pages: code grant, no secret, the console as its only callback', () => {
    const consoleUrl = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleDistribution'), 'DomainName'] }, '/']],
    };
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [consoleUrl],
      LogoutURLs: [consoleUrl],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('gives credentials only to members of admins: no guests, no default role, rules on cognito:groups, ambiguous means denied', () => {
    template.hasResourceProperties('AWS::Cognito::IdentityPool', {
      AllowUnauthenticatedIdentities: false,
      AllowClassicFlow: false,
      CognitoIdentityProviders: [
        {
          ClientId: { Ref: Match.stringLikeRegexp('^ConsoleUsersConsole') },
          ProviderName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleUsers'), 'ProviderName'] },
          ServerSideTokenCheck: true,
        },
      ],
    });
    const attachment = Object.values(template.findResources('AWS::Cognito::IdentityPoolRoleAttachment'));
    expect(attachment).toHaveLength(1);
    expect(attachment[0]).toEqual({
      Type: 'AWS::Cognito::IdentityPoolRoleAttachment',
      Properties: {
        IdentityPoolId: { Ref: expect.stringMatching(/^ConsoleIdentities/) },
        RoleMappings: {
          console: {
            IdentityProvider: {
              'Fn::Join': [
                ':',
                [
                  { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleUsers/), 'ProviderName'] },
                  { Ref: expect.stringMatching(/^ConsoleUsersConsole/) },
                ],
              ],
            },
            Type: 'Rules',
            AmbiguousRoleResolution: 'Deny',
            RulesConfiguration: {
              Rules: [
                {
                  Claim: 'cognito:groups',
                  MatchType: 'Contains',
                  Value: 'admins',
                  RoleARN: { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleAdminRole/), 'Arn'] },
                },
              ],
            },
          },
        },
      },
    });
    // The role is for web identities of this identity pool, signed in.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: { Federated: 'cognito-identity.amazonaws.com' },
            Condition: {
              StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: Match.stringLikeRegexp('^ConsoleIdentities') } },
              'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
            },
          },
        ],
      },
    });
  });

  it("allows the admins' role exactly the admin function URL: InvokeFunctionUrl for AWS_IAM, and InvokeFunction through the URL only", () => {
    const role = logicalId(template, 'AWS::IAM::Role', 'ConsoleAdminRole');
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    const statements = policies
      .filter((policy) => policy.Properties.Roles.some((ref) => ref.Ref === role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const adminFunction = { 'Fn::GetAtt': [expect.stringMatching(/^AdminFunction[0-9A-F]{8}$/), 'Arn'] };

    expect(statements).toEqual([
      {
        Sid: 'InvokeTheAdminFunctionUrl',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: adminFunction,
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      },
      {
        Sid: 'InvokeTheAdminFunctionThroughItsUrlOnly',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: adminFunction,
        Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
      },
    ]);
    // Nothing else grants the role anything.
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: Match.absent(), MaxSessionDuration: 3600 });
    const roleResource = template.findResources('AWS::IAM::Role')[role] as { Properties: Record<string, unknown> };
    expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleResource.Properties.Policies).toBeUndefined();
  });

  it("lets only the console's origin call the admin function URL, with the methods and SigV4 headers it uses, and exposes the ETag", () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AdminFunction'), 'Arn'] },
      Cors: {
        AllowOrigins: [CONSOLE_ORIGIN],
        AllowMethods: ['GET', 'PUT', 'DELETE'],
        AllowHeaders: CONSOLE_REQUEST_HEADERS,
        ExposeHeaders: ['etag'],
        MaxAge: 3600,
      },
    });
    expect(CONSOLE_REQUEST_HEADERS).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'if-match']),
    );
  });

  it('writes config.json at deploy time with the admin URL and the Cognito values, beside the files, and invalidates the cache', () => {
    const markers = new Capture();
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^ConsoleFiles') },
      DistributionPaths: ['/*'],
      SourceMarkers: markers,
      Prune: true,
    });
    const [files, config] = markers.asArray() as Record<string, unknown>[];
    expect(files).toEqual({});
    expect(Object.values(config ?? {})).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [expect.stringMatching(/^AdminFunctionFunctionUrl/), 'FunctionUrl'] },
        { Ref: expect.stringMatching(/^ConsoleUsers[0-9A-F]{8}$/) },
        { Ref: expect.stringMatching(/^ConsoleUsersConsole/) },
        { Ref: expect.stringMatching(/^ConsoleIdentities/) },
        { Ref: expect.stringMatching(/^ConsoleUsersSignIn/) },
        { Ref: 'AWS::Region' },
      ]),
    );
  });

  it('names the console, the user pool, its client, the identity pool and the sign-in pages in its outputs', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['ConsoleUrl', 'UserPoolId', 'UserPoolClientId', 'IdentityPoolId', 'SignInUrl', 'ConsoleBucketName']),
    );
    template.hasOutput('ConsoleUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleDistribution'), 'DomainName'] }, '/']] },
    });
  });

  it('takes the sign-in domain prefix from -c consoleDomainPrefix', () => {
    const custom = Template.fromStack(
      new QueueGroupsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Custom', { consoleDomainPrefix: 'acme-queue-groups' }),
    );

    custom.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-queue-groups' });
  });

  it("bundles the console's files with the local esbuild, without Docker", () => {
    const app = new App();
    const stack = new QueueGroupsStack(app, 'Bundled');
    const assembly = app.synth();
    const sources = new Capture();
    Template.fromStack(stack).hasResourceProperties('Custom::CDKBucketDeployment', { SourceObjectKeys: sources });
    const [filesKey] = sources.asArray() as string[];
    const assetDir = join(assembly.directory, `asset.${(filesKey ?? '').replace(/\.zip$/, '')}`);

    expect(existsSync(assetDir)).toBe(true);
    expect(readdirSync(assetDir)).toEqual(expect.arrayContaining(['index.html', 'app.js']));
  });
});
