<?php
/**
 * The plugin's options, read in one place.
 *
 * @package relatedposts
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Every option the plugin stores (uninstall.php deletes these).
 */
const RELATEDPOSTS_OPTIONS = array(
	'relatedposts_service_url',
	'relatedposts_token',
	'relatedposts_append',
	'relatedposts_limit',
	'relatedposts_timeout',
	'relatedposts_cache_gen',
	'relatedposts_pending',
	'relatedposts_last_error',
);

/**
 * Return the service's base URL without a trailing slash, or '' when it is not set.
 */
function relatedposts_service_url() {
	return untrailingslashit( trim( (string) get_option( 'relatedposts_service_url', '' ) ) );
}

/**
 * Return the admin token sent as a Bearer token to POST /admin/ingest.
 */
function relatedposts_token() {
	return trim( (string) get_option( 'relatedposts_token', '' ) );
}

/**
 * Return how many related posts to show when no limit is given.
 */
function relatedposts_default_limit() {
	return relatedposts_clamp_limit( get_option( 'relatedposts_limit', 5 ) );
}

/**
 * Return a limit the service accepts: an integer from 1 to 20.
 *
 * @param mixed $limit The requested limit.
 */
function relatedposts_clamp_limit( $limit ) {
	return max( 1, min( 20, (int) $limit ) );
}

/**
 * Return the seconds a page view waits for the service (short: the page must not hang).
 */
function relatedposts_timeout() {
	$timeout = (float) get_option( 'relatedposts_timeout', 2 );
	return $timeout > 0 ? min( $timeout, 10.0 ) : 2.0;
}
