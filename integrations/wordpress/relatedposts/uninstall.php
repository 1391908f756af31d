<?php
/**
 * Remove everything the plugin stored: options, the per-post URL meta, cached blocks.
 *
 * @package relatedposts
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/includes/options.php';

foreach ( RELATEDPOSTS_OPTIONS as $relatedposts_option ) {
	delete_option( $relatedposts_option );
}
delete_post_meta_by_key( '_relatedposts_url' );

global $wpdb;
// Cached blocks are transients named relatedposts_<hash>: there is no list of them to walk.
$wpdb->query(
	$wpdb->prepare(
		"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
		$wpdb->esc_like( '_transient_relatedposts_' ) . '%',
		$wpdb->esc_like( '_transient_timeout_relatedposts_' ) . '%'
	)
);
