package dev.omnirollup.deploy;

/** A subcommand with the shared options, so errors know whether to print stack traces. */
interface UsesSharedOptions {
    SharedOptions sharedOptions();
}
