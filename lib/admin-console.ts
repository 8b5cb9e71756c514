import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  AccountRecovery,
  CfnIdentityPool,
  CfnIdentityPoolRoleAttachment,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClientIdentityProvider,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { FederatedPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, HttpMethod, type FunctionUrl, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleFiles } from './console-files.js';

export interface AdminConsoleProps {
  /** The admin function: the console's only API, reached through its function URL (AWS_IAM). */
  readonly adminFunction: IFunction;
  /**
   * The prefix of the sign-in pages' domain, `https://<prefix>.auth.<region>.amazoncognito.com`
   * (lowercase letters, digits, hyphens; unique in the region; without `aws`, `amazon`, `cognito`).
   * @default the stack's name and the stack's own UUID, e.g. `queuegroups-1b2c…`
   */
  readonly domainPrefix?: string;
}

/** The group whose members may use the console: the identity pool gives a role to them only. */
export const ADMINS_GROUP = 'admins';

/** The methods the console sends to the admin API (it has no POST route). */
export const CONSOLE_METHODS = [HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE];

/**
 * The request headers a SigV4-signed fetch from the console carries (besides those a browser sets
 * itself): the signature, its date, the session token of temporary credentials, the payload hash,
 * the JSON body's type, and If-Match for PUT /configuration.
 */
export const CONSOLE_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'if-match',
];

/**
 * The console in AWS (SPEC section 18): its static files in a private bucket behind CloudFront, a
 * Cognito user pool to sign in (administrators only: the `admins` group), and an identity pool that
 * trades a member of `admins`'s sign-in for temporary credentials allowed to call the admin function
 * URL and nothing else. The admin API stays AWS_IAM-only: the browser signs each request with SigV4.
 */
export class AdminConsole extends Construct {
  readonly adminUrl: FunctionUrl;
  readonly distribution: Distribution;
  readonly bucket: IBucket;
  readonly userPool: UserPool;
  readonly adminRole: Role;
  readonly consoleUrl: string;

  constructor(scope: Construct, id: string, props: AdminConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const domainPrefix = props.domainPrefix ?? defaultDomainPrefix(stack.stackName);

    // Sign-in: administrators only, created by an administrator (no sign-up), with a second factor.
    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Required, by an authenticator app (TOTP): the sign-in pages ask for one at the first sign-in.
      // No SMS: it needs an SNS role and costs per message.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: threat protection blocks sign-ins with credentials known to be leaked and risky sign-ins.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // The administrators' accounts are recreated in minutes; nothing of the product's data is here.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new UserPoolGroup(this, 'Admins', {
      userPool: this.userPool,
      groupName: ADMINS_GROUP,
      description: 'May use the queue groups console (the identity pool gives its role to this group only)',
    });
    const signIn = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix } });
    const signInUrl = signIn.baseUrl();

    // The files: a private bucket, read by CloudFront only (origin access control).
    const logs = asIBucket(
      new Bucket(this, 'Logs', {
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        // CloudFront's standard logs are delivered with an ACL, so the bucket must accept ACLs.
        objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycleRules: [{ expiration: Duration.days(90) }],
        removalPolicy: RemovalPolicy.DESTROY,
        autoDeleteObjects: true,
      }),
    );
    this.bucket = asIBucket(
      new Bucket(this, 'Files', {
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: logs,
        serverAccessLogsPrefix: 'console-bucket/',
        // The files are rebuilt by every deploy: nothing here to keep.
        removalPolicy: RemovalPolicy.DESTROY,
        autoDeleteObjects: true,
      }),
    );

    const region = Aws.REGION;
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Queue groups console: HSTS, CSP, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            // Voicemails are fetched signed and played from blob: URLs.
            "media-src 'self' blob:",
            // The config, the admin function URL (any of the region's: naming this one would make the
            // URL and the distribution depend on each other), the identity pool, the sign-in pages' token endpoint.
            `connect-src 'self' https://*.lambda-url.${region}.on.aws https://cognito-identity.${region}.amazonaws.com ${signInUrl}`,
            `form-action 'self' ${signInUrl}`,
            "base-uri 'none'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Queue groups console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        // Nothing is served over HTTP: a plain-HTTP request is answered with a redirect to HTTPS.
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: administrators sign in from wherever they work (travel, remote staff); every page is useless without a Cognito sign-in with MFA, and the data sits behind the IAM-signed admin API, not behind CloudFront',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No AWS WAF web ACL: the distribution serves a few static files that are the same for everyone; the admin API it talks to is reached directly with SigV4 (not through CloudFront), and a web ACL would cost more than the whole deployment (about $6 a month)',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        "The distribution uses its *.cloudfront.net name and CloudFront's default certificate, with which CloudFront cannot enforce a minimum TLS version; a custom domain would need a domain and an ACM certificate in us-east-1 that the project cannot assume. Browsers negotiate TLS 1.2 or 1.3 with CloudFront",
    });
    this.consoleUrl = `https://${this.distribution.distributionDomainName}`;

    // The admin API for the console's origin only, with the methods and headers a signed request uses.
    this.adminUrl = props.adminFunction.addFunctionUrl({
      authType: FunctionUrlAuthType.AWS_IAM,
      cors: {
        allowedOrigins: [this.consoleUrl],
        allowedMethods: CONSOLE_METHODS,
        allowedHeaders: CONSOLE_REQUEST_HEADERS,
        // PUT /configuration answers with the version it applied; GET /configuration's ETag is If-Match's value.
        exposedHeaders: ['etag'],
        maxAge: Duration.hours(1),
      },
    });

    // The sign-in pages, for the console only: authorization code grant (the console uses PKCE).
    const client = this.userPool.addClient('Console', {
      generateSecret: false,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [`${this.consoleUrl}/`],
        logoutUrls: [`${this.consoleUrl}/`],
      },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    // Temporary AWS credentials for signed-in users: only the `admins` group gets a role.
    const identityPool = new CfnIdentityPool(this, 'Identities', {
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      cognitoIdentityProviders: [
        // The server-side check refuses tokens of a user signed out everywhere or deleted.
        { providerName: this.userPool.userPoolProviderName, clientId: client.userPoolClientId, serverSideTokenCheck: true },
      ],
    });
    this.adminRole = new Role(this, 'AdminRole', {
      description: 'The queue groups console, for members of the admins group: calls the admin function URL',
      assumedBy: new FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
      maxSessionDuration: Duration.hours(1),
    });
    this.adminRole.addToPolicy(
      new PolicyStatement({
        sid: 'InvokeTheAdminFunctionUrl',
        actions: ['lambda:InvokeFunctionUrl'],
        resources: [props.adminFunction.functionArn],
        conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      }),
    );
    // Function URLs created since October 2025 also need lambda:InvokeFunction, which this condition
    // limits to invocations through the function URL: the role cannot invoke the function directly.
    // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    this.adminRole.addToPolicy(
      new PolicyStatement({
        sid: 'InvokeTheAdminFunctionThroughItsUrlOnly',
        actions: ['lambda:InvokeFunction'],
        resources: [props.adminFunction.functionArn],
        conditions: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
      }),
    );
    new CfnIdentityPoolRoleAttachment(this, 'Roles', {
      identityPoolId: identityPool.ref,
      // No default roles: a user the rules do not map gets no credentials at all.
      roleMappings: {
        console: {
          identityProvider: Fn.join(':', [this.userPool.userPoolProviderName, client.userPoolClientId]),
          type: 'Rules',
          // No rule matches (not in admins) or several do: no role.
          ambiguousRoleResolution: 'Deny',
          rulesConfiguration: {
            rules: [{ claim: 'cognito:groups', matchType: 'Contains', value: ADMINS_GROUP, roleArn: this.adminRole.roleArn }],
          },
        },
      },
    });

    // The files and the settings the app reads at boot, written at deploy time.
    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [
        consoleFiles(),
        Source.jsonData('config.json', {
          adminUrl: this.adminUrl.url,
          auth: {
            kind: 'cognito',
            region,
            userPoolId: this.userPool.userPoolId,
            userPoolClientId: client.userPoolClientId,
            identityPoolId: identityPool.ref,
            domain: signInUrl,
          },
        }),
      ],
      destinationBucket: this.bucket,
      // The browser asks again on every load (ETag): a deploy's files are seen at once.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    acknowledgeDeploymentHandler(deployment, this.bucket);

    new CfnOutput(stack, 'ConsoleUrl', { description: 'The console: open it in a browser and sign in', value: `${this.consoleUrl}/` });
    new CfnOutput(stack, 'UserPoolId', {
      description: 'Cognito user pool of the console: create administrators here and add them to the admins group',
      value: this.userPool.userPoolId,
    });
    new CfnOutput(stack, 'UserPoolClientId', { description: "The console's app client", value: client.userPoolClientId });
    new CfnOutput(stack, 'IdentityPoolId', {
      description: 'Gives members of admins credentials for the admin API',
      value: identityPool.ref,
    });
    new CfnOutput(stack, 'SignInUrl', { description: "The console's sign-in pages (Cognito)", value: signInUrl });
    new CfnOutput(stack, 'ConsoleAdminRoleArn', { description: 'The role members of admins get', value: this.adminRole.roleArn });
    new CfnOutput(stack, 'ConsoleBucketName', { description: "The console's files", value: this.bucket.bucketName });
    new CfnOutput(stack, 'ConsoleLogBucketName', {
      description: 'Access logs of the console (CloudFront and the bucket), kept 90 days',
      value: logs.bucketName,
    });
  }
}

/**
 * The stack's name and its own UUID (the last part of its stack ID): unique in the region without
 * naming the account. `QueueGroups` becomes `queuegroups-1b2c3d4e-…` (48 characters at most).
 */
function defaultDomainPrefix(stackName: string): string {
  const name = stackName
    .toLowerCase()
    .replace(/aws|amazon|cognito/g, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 26)
    .replace(/^-+|-+$/g, '');
  return `${name === '' ? 'console' : name}-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`;
}

/**
 * The findings on the function the CDK's BucketDeployment brings (one per stack, shared by every
 * deployment): its code, runtime and policy are the CDK's, not ours to change. Acknowledged one by one,
 * on that function only, so a new wildcard elsewhere is still a finding.
 */
function acknowledgeDeploymentHandler(deployment: BucketDeployment, bucket: IBucket): void {
  const handler = deployment.handlerRole.node.scope;
  if (handler === undefined) throw new Error('the BucketDeployment has no handler function');
  const bucketId = Stack.of(deployment).resolve((bucket.node.defaultChild as CfnBucket).logicalId) as string;
  const acknowledge = (id: string, reason: string): void => Validations.of(handler).acknowledge({ id, reason });
  acknowledge(
    'AwsSolutions-L1',
    "The CDK's BucketDeployment function (Python) runs the runtime the installed aws-cdk-lib chose for it; it runs only during a deployment, and a CDK upgrade moves it on",
  );
  acknowledge(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "The CDK's BucketDeployment function writes its logs with the AWS managed basic execution policy, which the CDK attaches and offers no option to replace; it runs only during a deployment",
  );
  const wildcards: [string, string][] = [
    ['Action::s3:GetObject*', 'read the staged console files'],
    ['Action::s3:GetBucket*', 'read the staging and console buckets'],
    ['Action::s3:List*', 'list the console bucket to remove files a new build no longer has (prune)'],
    ['Action::s3:DeleteObject*', 'remove files a new build no longer has (prune)'],
    ['Action::s3:Abort*', 'abort a failed multipart upload'],
    ['Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*', "read the CDK's staged assets"],
    [`Resource::<${bucketId}.Arn>/*`, "write every file of the console's own bucket"],
    ['Resource::*', 'create and read CloudFront invalidations, whose actions take no resource narrower than *'],
  ];
  for (const [finding, purpose] of wildcards)
    acknowledge(
      `AwsSolutions-IAM5[${finding}]`,
      `The CDK's BucketDeployment grants its function this wildcard to ${purpose}; the grant is the CDK's (BucketDeployment), limited to the buckets and distribution of this deployment where the action allows it`,
    );
}

/**
 * A Bucket as the IBucket the other constructs take: Bucket's `isWebsite` may be undefined while
 * IBucket's is an optional boolean, which exactOptionalPropertyTypes tells apart.
 */
function asIBucket(bucket: Bucket): IBucket {
  return bucket as unknown as IBucket;
}
